import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import { composeRoute } from "../compose-route";
import { IdempotencyConfigurationError } from "../idempotency";
import { loadProcessorCredentials } from "../processor/processor-secret";
import { createHttpHandler } from "../shared/http/http-handler";
import { payOrderByCard } from "./card-payments";
import { lazyPaymentProcessor } from "./card-processor";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";
import { orderAnswers } from "./order-answers";
import { orderParamsSchema, payOrderBodySchema } from "./order-schemas";
import { payOrder } from "./order-use-cases";

const { accounts, orders, observability, http } = composeRoute("payOrder", {
  accounts: DynamoDbAccountRepository,
  orders: DynamoDbOrderRepository,
});
// The key is read on the first card call (from Secrets Manager on AWS), not at cold start.
const processor = lazyPaymentProcessor(observability, loadProcessorCredentials);

export const handler = createHttpHandler({
  ...http,
  schemas: { params: orderParamsSchema, body: payOrderBodySchema },
  resourceName: "The order",
  handle: async ({ caller, params, body }, { phases, ...ports }) => {
    if (body.accountId !== undefined) {
      return payOrder(
        { caller, orderId: params.orderId, accountId: body.accountId },
        { accounts, orders, ...ports },
      );
    }
    if (!phases || body.paymentMethod === undefined) {
      throw new IdempotencyConfigurationError("A card payment needs its idempotency handle.");
    }
    // A processor without its key (a secret not set yet) fails here, before any phase commits.
    await processor.ready();
    return payOrderByCard(
      { caller, orderId: params.orderId, paymentMethod: body.paymentMethod },
      { orders, processor, phases, ...ports },
    );
  },
  respond: orderAnswers.payOrder,
});
