import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { DynamoDbTransferRepository } from "./dynamodb-transfer-repository";
import { transferAnswers } from "./transfer-answers";
import { transferParamsSchema } from "./transfer-schemas";
import { getTransfer } from "./transfer-use-cases";

const { transfers, http } = composeRoute("getTransfer", { transfers: DynamoDbTransferRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: transferParamsSchema },
  resourceName: "The transfer",
  handle: ({ caller, params }) =>
    getTransfer({ caller, transferId: params.transferId }, { transfers }),
  respond: transferAnswers.getTransfer,
});
