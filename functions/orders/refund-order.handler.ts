import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import { composeRoute } from "../compose-route";
import { IdempotencyConfigurationError } from "../idempotency";
import { loadProcessorCredentials } from "../processor/processor-secret";
import { createHttpHandler } from "../shared/http/http-handler";
import { lazyPaymentProcessor } from "./card-processor";
import { refundOrderByCard } from "./card-refunds";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";
import { orderAnswers } from "./order-answers";
import { orderParamsSchema, refundOrderBodySchema } from "./order-schemas";
import { refundOrder } from "./order-use-cases";

const { accounts, orders, observability, http } = composeRoute("refundOrder", {
  accounts: DynamoDbAccountRepository,
  orders: DynamoDbOrderRepository,
});
// The key is read on the first card call (from Secrets Manager on AWS), not at cold start.
const processor = lazyPaymentProcessor(observability, loadProcessorCredentials);

export const handler = createHttpHandler({
  ...http,
  schemas: { params: orderParamsSchema, body: refundOrderBodySchema },
  resourceName: "The order",
  handle: async ({ caller, params, body }, { phases, ...ports }) => {
    const input = { caller, orderId: params.orderId, amount: body.amount };
    // A card payment is refunded where it was made; the use cases check ownership.
    const payment = await orders.findPayment(params.orderId);
    if (payment?.method !== "card") return refundOrder(input, { accounts, orders, ...ports });
    if (!phases)
      throw new IdempotencyConfigurationError("A card refund needs its idempotency handle.");
    // A processor without its key (a secret not set yet) fails here, before any phase commits.
    await processor.ready();
    return refundOrderByCard(input, { orders, processor, phases, ...ports });
  },
  respond: orderAnswers.refundOrder,
});
