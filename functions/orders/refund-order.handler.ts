import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema, refundOrderBodySchema } from "./order-schemas";
import { refundOrder } from "./order-use-cases";

const { accounts, orders, idempotency, observability } = createOrderDependencies("refundOrder");

export const handler = createHttpHandler({
  route: routeById("refundOrder"),
  schemas: { params: orderParamsSchema, body: refundOrderBodySchema },
  resourceName: "The order",
  idempotency,
  observability,
  handle: ({ caller, params, body, correlationId }, context) =>
    refundOrder(
      { caller, orderId: params.orderId, amount: body.amount },
      { accounts, orders, ...writePortsOf(context, correlationId) },
    ),
});
