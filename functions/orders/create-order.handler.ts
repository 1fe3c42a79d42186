import { routeById } from "../routes";
import { commitOf } from "../shared/dependencies";
import { createHttpHandler } from "../shared/http/http-handler";
import { createOrderDependencies } from "./order-dependencies";
import { createOrderBodySchema } from "./order-schemas";
import { createOrder } from "./order-use-cases";

const { orders, idempotency, logger } = createOrderDependencies("createOrder");

export const handler = createHttpHandler({
  route: routeById("createOrder"),
  schemas: { body: createOrderBodySchema },
  idempotency,
  logger,
  handle: ({ caller, body }, context) =>
    createOrder(
      { caller, currency: body.currency, items: body.items },
      { orders, commit: commitOf(context), now: () => new Date() },
    ),
});
