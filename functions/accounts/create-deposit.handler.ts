import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { createAccountDependencies } from "./account-dependencies";
import { accountParamsSchema, depositBodySchema } from "./account-schemas";
import { createDeposit } from "./account-use-cases";

const { accounts, idempotency, observability } = createAccountDependencies("createDeposit");

export const handler = createHttpHandler({
  route: routeById("createDeposit"),
  schemas: { params: accountParamsSchema, body: depositBodySchema },
  resourceName: "The account",
  idempotency,
  observability,
  handle: ({ caller, params, body, correlationId }, context) =>
    createDeposit(
      { caller, accountId: params.accountId, amount: body.amount },
      { accounts, ...writePortsOf(context, correlationId) },
    ),
});
