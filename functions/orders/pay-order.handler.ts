import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema, payOrderBodySchema } from "./order-schemas";
import { payOrder } from "./order-use-cases";

const { accounts, orders, idempotency, observability } = createOrderDependencies("payOrder");

export const handler = createHttpHandler({
  route: routeById("payOrder"),
  schemas: { params: orderParamsSchema, body: payOrderBodySchema },
  resourceName: "The order",
  idempotency,
  observability,
  handle: ({ caller, params, body, correlationId }, context) =>
    payOrder(
      { caller, orderId: params.orderId, accountId: body.accountId },
      { accounts, orders, ...writePortsOf(context, correlationId) },
    ),
});
