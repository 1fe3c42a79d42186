import { IdempotencyConfigurationError } from "../idempotency";
import { loadProcessorCredentials } from "../processor/processor-secret";
import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { payOrderByCard } from "./card-payments";
import { lazyPaymentProcessor } from "./card-processor";
import { createOrderDependencies } from "./order-dependencies";
import { orderParamsSchema, payOrderBodySchema } from "./order-schemas";
import { payOrder } from "./order-use-cases";

const { accounts, orders, idempotency, observability } = createOrderDependencies("payOrder");
// The key is read on the first card call (from Secrets Manager on AWS), not at cold start.
const processor = lazyPaymentProcessor(observability, loadProcessorCredentials);

export const handler = createHttpHandler({
  route: routeById("payOrder"),
  schemas: { params: orderParamsSchema, body: payOrderBodySchema },
  resourceName: "The order",
  idempotency,
  observability,
  handle: async ({ caller, params, body, correlationId }, context) => {
    const ports = writePortsOf(context, correlationId);
    if (body.accountId !== undefined) {
      return payOrder(
        { caller, orderId: params.orderId, accountId: body.accountId },
        { accounts, orders, ...ports },
      );
    }
    const handle = context.idempotency;
    if (!handle || body.paymentMethod === undefined) {
      throw new IdempotencyConfigurationError("A card payment needs its idempotency handle.");
    }
    // A processor without its key (a secret not set yet) fails here, before any phase commits.
    await processor.ready();
    return payOrderByCard(
      { caller, orderId: params.orderId, paymentMethod: body.paymentMethod },
      { orders, processor, phases: handle, ...ports },
    );
  },
});
