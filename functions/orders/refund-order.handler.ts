import { IdempotencyConfigurationError } from "../idempotency";
import { loadProcessorCredentials } from "../processor/processor-secret";
import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { lazyPaymentProcessor } from "./card-processor";
import { refundOrderByCard } from "./card-refunds";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema, refundOrderBodySchema } from "./order-schemas";
import { refundOrder } from "./order-use-cases";

const { accounts, orders, idempotency, observability } = createOrderDependencies("refundOrder");
// The key is read on the first card call (from Secrets Manager on AWS), not at cold start.
const processor = lazyPaymentProcessor(observability, loadProcessorCredentials);

export const handler = createHttpHandler({
  route: routeById("refundOrder"),
  schemas: { params: orderParamsSchema, body: refundOrderBodySchema },
  resourceName: "The order",
  idempotency,
  observability,
  handle: async ({ caller, params, body, correlationId }, context) => {
    const input = { caller, orderId: params.orderId, amount: body.amount };
    const ports = writePortsOf(context, correlationId);
    // A card payment is refunded where it was made; the use cases check ownership.
    const payment = await orders.findPayment(params.orderId);
    if (payment?.method !== "card") return refundOrder(input, { accounts, orders, ...ports });
    const handle = context.idempotency;
    if (!handle)
      throw new IdempotencyConfigurationError("A card refund needs its idempotency handle.");
    // A processor without its key (a secret not set yet) fails here, before any phase commits.
    await processor.ready();
    return refundOrderByCard(input, { orders, processor, phases: handle, ...ports });
  },
});
