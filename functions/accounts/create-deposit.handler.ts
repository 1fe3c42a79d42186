import { composeRoute } from "../compose-route";
import { DynamoDbMovementQueue } from "../movements/dynamodb-movement-queue";
import { foldingOf } from "../movements/folding";
import { createHttpHandler } from "../shared/http/http-handler";
import { DynamoDbTransferRepository } from "../transfers/dynamodb-transfer-repository";
import { accountAnswers } from "./account-answers";
import { accountParamsSchema, depositBodySchema } from "./account-schemas";
import { createDeposit } from "./account-use-cases";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

// Transfers too: a fold of this account's queue writes the transfers queued in it.
const { accounts, transfers, movements, config, http } = composeRoute("createDeposit", {
  accounts: DynamoDbAccountRepository,
  transfers: DynamoDbTransferRepository,
  movements: DynamoDbMovementQueue,
});
const folding = foldingOf(movements, config);

export const handler = createHttpHandler({
  ...http,
  schemas: { params: accountParamsSchema, body: depositBodySchema },
  resourceName: "The account",
  handle: ({ caller, params, body }, ports) =>
    createDeposit(
      { caller, accountId: params.accountId, amount: body.amount },
      { accounts, transfers, folding, ...ports },
    ),
  respond: accountAnswers.createDeposit,
});
