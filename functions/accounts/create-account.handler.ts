import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { createAccountDependencies } from "./account-dependencies";
import { createAccountBodySchema } from "./account-schemas";
import { createAccount } from "./account-use-cases";

const { accounts, idempotency, observability } = createAccountDependencies("createAccount");

export const handler = createHttpHandler({
  route: routeById("createAccount"),
  schemas: { body: createAccountBodySchema },
  idempotency,
  observability,
  handle: ({ caller, body, correlationId }, context) =>
    createAccount(
      { caller, currency: body.currency, name: body.name },
      { accounts, ...writePortsOf(context, correlationId) },
    ),
});
