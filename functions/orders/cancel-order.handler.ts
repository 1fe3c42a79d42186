import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema } from "./order-schemas";
import { cancelOrder } from "./order-use-cases";

const { orders, idempotency, observability } = createOrderDependencies("cancelOrder");

export const handler = createHttpHandler({
  route: routeById("cancelOrder"),
  schemas: { params: orderParamsSchema },
  resourceName: "The order",
  idempotency,
  observability,
  handle: ({ caller, params, correlationId }, context) =>
    cancelOrder(
      { caller, orderId: params.orderId },
      { orders, ...writePortsOf(context, correlationId) },
    ),
});
