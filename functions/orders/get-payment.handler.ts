import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema } from "./order-schemas";
import { getPayment } from "./order-use-cases";

const { orders, observability } = createOrderDependencies("getPayment");

export const handler = createHttpHandler({
  route: routeById("getPayment"),
  schemas: { params: orderParamsSchema },
  resourceName: "The order",
  observability,
  handle: ({ caller, params }) => getPayment({ caller, orderId: params.orderId }, { orders }),
});
