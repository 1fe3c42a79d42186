import { routeById } from "../routes";
import { commitOf } from "../shared/dependencies";
import { createHttpHandler } from "../shared/http/http-handler";
import { createAccountDependencies } from "./account-dependencies";
import { createAccountBodySchema } from "./account-schemas";
import { createAccount } from "./account-use-cases";

const { accounts, idempotency, logger } = createAccountDependencies("createAccount");

export const handler = createHttpHandler({
  route: routeById("createAccount"),
  schemas: { body: createAccountBodySchema },
  idempotency,
  logger,
  handle: ({ caller, body }, context) =>
    createAccount(
      { caller, currency: body.currency, name: body.name },
      { accounts, commit: commitOf(context), now: () => new Date() },
    ),
});
