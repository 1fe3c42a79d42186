import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { createAccountDependencies } from "./account-dependencies";
import { accountParamsSchema, entriesQuerySchema } from "./account-schemas";
import { listEntries } from "./account-use-cases";

const { accounts, observability } = createAccountDependencies("listEntries");

export const handler = createHttpHandler({
  route: routeById("listEntries"),
  schemas: { params: accountParamsSchema, query: entriesQuerySchema },
  resourceName: "The account",
  observability,
  handle: ({ caller, params, query }) =>
    listEntries(
      { caller, accountId: params.accountId, limit: query.limit, cursor: query.cursor },
      { accounts },
    ),
});
