import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";
import { orderAnswers } from "./order-answers";
import { orderParamsSchema } from "./order-schemas";
import { getOrder } from "./order-use-cases";

const { orders, http } = composeRoute("getOrder", { orders: DynamoDbOrderRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: orderParamsSchema },
  resourceName: "The order",
  handle: ({ caller, params }) => getOrder({ caller, orderId: params.orderId }, { orders }),
  respond: orderAnswers.getOrder,
});
