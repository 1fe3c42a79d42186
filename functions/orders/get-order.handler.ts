import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema } from "./order-schemas";
import { getOrder } from "./order-use-cases";

const { orders, observability } = createOrderDependencies("getOrder");

export const handler = createHttpHandler({
  route: routeById("getOrder"),
  schemas: { params: orderParamsSchema },
  resourceName: "The order",
  observability,
  handle: ({ caller, params }) => getOrder({ caller, orderId: params.orderId }, { orders }),
});
