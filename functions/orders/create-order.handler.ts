import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { createOrderDependencies } from "./order-dependencies";
import { createOrderBodySchema } from "./order-schemas";
import { createOrder } from "./order-use-cases";

const { orders, idempotency, observability } = createOrderDependencies("createOrder");

export const handler = createHttpHandler({
  route: routeById("createOrder"),
  schemas: { body: createOrderBodySchema },
  idempotency,
  observability,
  handle: ({ caller, body, correlationId }, context) =>
    createOrder(
      { caller, currency: body.currency, items: body.items },
      { orders, ...writePortsOf(context, correlationId) },
    ),
});
