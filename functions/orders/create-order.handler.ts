import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";
import { orderAnswers } from "./order-answers";
import { createOrderBodySchema } from "./order-schemas";
import { createOrder } from "./order-use-cases";

const { orders, http } = composeRoute("createOrder", { orders: DynamoDbOrderRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { body: createOrderBodySchema },
  handle: ({ caller, body }, ports) =>
    createOrder({ caller, currency: body.currency, items: body.items }, { orders, ...ports }),
  respond: orderAnswers.createOrder,
});
