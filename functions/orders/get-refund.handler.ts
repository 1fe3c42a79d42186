import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";
import { orderAnswers } from "./order-answers";
import { refundParamsSchema } from "./order-schemas";
import { getRefund } from "./order-use-cases";

const { orders, http } = composeRoute("getRefund", { orders: DynamoDbOrderRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: refundParamsSchema },
  resourceName: "The refund",
  handle: ({ caller, params }) =>
    getRefund({ caller, orderId: params.orderId, refundId: params.refundId }, { orders }),
  respond: orderAnswers.getRefund,
});
