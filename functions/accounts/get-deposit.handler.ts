import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { createAccountDependencies } from "./account-dependencies";
import { depositParamsSchema } from "./account-schemas";
import { getDeposit } from "./account-use-cases";

const { accounts, observability } = createAccountDependencies("getDeposit");

export const handler = createHttpHandler({
  route: routeById("getDeposit"),
  schemas: { params: depositParamsSchema },
  resourceName: "The deposit",
  observability,
  handle: ({ caller, params }) =>
    getDeposit({ caller, accountId: params.accountId, depositId: params.depositId }, { accounts }),
});
