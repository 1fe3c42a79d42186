import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { DynamoDbTransferRepository } from "./dynamodb-transfer-repository";
import { transferAnswers } from "./transfer-answers";
import { createTransferBodySchema } from "./transfer-schemas";
import { createTransfer } from "./transfer-use-cases";

const { accounts, transfers, http } = composeRoute("createTransfer", {
  accounts: DynamoDbAccountRepository,
  transfers: DynamoDbTransferRepository,
});

export const handler = createHttpHandler({
  ...http,
  schemas: { body: createTransferBodySchema },
  handle: ({ caller, body }, ports) =>
    createTransfer({ caller, ...body }, { accounts, transfers, ...ports }),
  respond: transferAnswers.createTransfer,
});
