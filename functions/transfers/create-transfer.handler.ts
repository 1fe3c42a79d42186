import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import { composeRoute } from "../compose-route";
import { DynamoDbMovementQueue } from "../movements/dynamodb-movement-queue";
import { foldingOf } from "../movements/folding";
import { createHttpHandler } from "../shared/http/http-handler";
import { DynamoDbTransferRepository } from "./dynamodb-transfer-repository";
import { transferAnswers } from "./transfer-answers";
import { createTransferBodySchema } from "./transfer-schemas";
import { createTransfer } from "./transfer-use-cases";

const { accounts, transfers, movements, config, http } = composeRoute("createTransfer", {
  accounts: DynamoDbAccountRepository,
  transfers: DynamoDbTransferRepository,
  movements: DynamoDbMovementQueue,
});
const folding = foldingOf(movements, config);

export const handler = createHttpHandler({
  ...http,
  schemas: { body: createTransferBodySchema },
  handle: ({ caller, body }, ports) =>
    createTransfer({ caller, ...body }, { accounts, transfers, folding, ...ports }),
  respond: transferAnswers.createTransfer,
});
