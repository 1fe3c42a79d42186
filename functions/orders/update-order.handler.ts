import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { expectedVersionOf } from "../shared/http/parse-request";
import { problems } from "../shared/http/problem-types";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";
import { orderAnswers } from "./order-answers";
import { orderParamsSchema, updateOrderBodySchema } from "./order-schemas";
import { updateOrder } from "./order-use-cases";

const { orders, http } = composeRoute("updateOrder", { orders: DynamoDbOrderRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { params: orderParamsSchema, body: updateOrderBodySchema },
  resourceName: "The order",
  requireIfMatch: true,
  handle: ({ caller, params, body, ifMatch }, ports) => {
    // requireIfMatch answers 428 before this runs; this only narrows the type.
    if (!ifMatch) throw problems.preconditionRequired();
    return updateOrder(
      { caller, orderId: params.orderId, items: body.items, expected: expectedVersionOf(ifMatch) },
      { orders, ...ports },
    );
  },
  respond: orderAnswers.updateOrder,
});
