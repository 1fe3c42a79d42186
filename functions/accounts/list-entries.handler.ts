import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { accountAnswers } from "./account-answers";
import { accountParamsSchema, entriesQuerySchema } from "./account-schemas";
import { listEntries } from "./account-use-cases";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

const { accounts, http } = composeRoute("listEntries", { accounts: DynamoDbAccountRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: accountParamsSchema, query: entriesQuerySchema },
  resourceName: "The account",
  handle: ({ caller, params, query }) =>
    listEntries(
      { caller, accountId: params.accountId, limit: query.limit, cursor: query.cursor },
      { accounts },
    ),
  respond: accountAnswers.listEntries,
});
