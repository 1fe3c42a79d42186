import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { accountAnswers } from "./account-answers";
import { depositParamsSchema } from "./account-schemas";
import { getDeposit } from "./account-use-cases";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

const { accounts, http } = composeRoute("getDeposit", { accounts: DynamoDbAccountRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: depositParamsSchema },
  resourceName: "The deposit",
  handle: ({ caller, params }) =>
    getDeposit({ caller, accountId: params.accountId, depositId: params.depositId }, { accounts }),
  respond: accountAnswers.getDeposit,
});
