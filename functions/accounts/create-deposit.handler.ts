import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { accountAnswers } from "./account-answers";
import { accountParamsSchema, depositBodySchema } from "./account-schemas";
import { createDeposit } from "./account-use-cases";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

const { accounts, http } = composeRoute("createDeposit", { accounts: DynamoDbAccountRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: accountParamsSchema, body: depositBodySchema },
  resourceName: "The account",
  handle: ({ caller, params, body }, ports) =>
    createDeposit(
      { caller, accountId: params.accountId, amount: body.amount },
      { accounts, ...ports },
    ),
  respond: accountAnswers.createDeposit,
});
