import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { createAccountDependencies } from "./account-dependencies";
import { accountParamsSchema } from "./account-schemas";
import { getAccount } from "./account-use-cases";

const { accounts, observability } = createAccountDependencies("getAccount");

export const handler = createHttpHandler({
  route: routeById("getAccount"),
  schemas: { params: accountParamsSchema },
  resourceName: "The account",
  observability,
  handle: ({ caller, params }) => getAccount({ caller, accountId: params.accountId }, { accounts }),
});
