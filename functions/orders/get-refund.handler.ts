import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { createOrderDependencies } from "./order-dependencies";
import { refundParamsSchema } from "./order-schemas";
import { getRefund } from "./order-use-cases";

const { orders, observability } = createOrderDependencies("getRefund");

export const handler = createHttpHandler({
  route: routeById("getRefund"),
  schemas: { params: refundParamsSchema },
  resourceName: "The refund",
  observability,
  handle: ({ caller, params }) =>
    getRefund({ caller, orderId: params.orderId, refundId: params.refundId }, { orders }),
});
