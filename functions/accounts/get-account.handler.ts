import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { accountAnswers } from "./account-answers";
import { accountParamsSchema } from "./account-schemas";
import { getAccount } from "./account-use-cases";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

const { accounts, http } = composeRoute("getAccount", { accounts: DynamoDbAccountRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: accountParamsSchema },
  resourceName: "The account",
  handle: ({ caller, params }) => getAccount({ caller, accountId: params.accountId }, { accounts }),
  respond: accountAnswers.getAccount,
});
