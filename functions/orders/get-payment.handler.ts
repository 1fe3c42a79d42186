import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { orderAnswers } from "./order-answers";
import { orderParamsSchema } from "./order-schemas";
import { getPayment } from "./order-use-cases";

const { orders, http } = composeRoute("getPayment");

export const handler = createHttpHandler({
  ...http,
  schemas: { params: orderParamsSchema },
  resourceName: "The order",
  handle: ({ caller, params }) => getPayment({ caller, orderId: params.orderId }, { orders }),
  respond: orderAnswers.getPayment,
});
