import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { problems } from "../shared/http/http-problems";
import { writePortsOf } from "../shared/write-ports";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema, updateOrderBodySchema } from "./order-schemas";
import { updateOrder } from "./order-use-cases";

const { orders, idempotency, observability } = createOrderDependencies("updateOrder");

export const handler = createHttpHandler({
  route: routeById("updateOrder"),
  schemas: { params: orderParamsSchema, body: updateOrderBodySchema },
  resourceName: "The order",
  requireIfMatch: true,
  idempotency,
  observability,
  handle: ({ caller, params, body, ifMatch, correlationId }, context) => {
    // requireIfMatch answers 428 before this runs; this only narrows the type.
    if (!ifMatch) throw problems.preconditionRequired();
    return updateOrder(
      { caller, orderId: params.orderId, items: body.items, ifMatch },
      { orders, ...writePortsOf(context, correlationId) },
    );
  },
});
