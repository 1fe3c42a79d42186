import type { PaymentProcessor } from "../processor/payment-processor";
import { withCircuitBreaker } from "../processor/processor-circuit";
import { loadProcessorConfig, type ProcessorConfig } from "../processor/processor-config";
import { createStripePaymentProcessor } from "../processor/stripe-payment-processor";
import type { Logger } from "../shared/observability/logger";

/**
 * The payment processor a function talks to: the Stripe client at
 * PAYMENT_PROCESSOR_URL (Stripe's own API when unset) behind a circuit
 * breaker, so a processor in trouble is answered 503 fast instead of holding
 * every invocation until its timeout. Built on the first card call and kept
 * for the container's life: a wallet payment never needs the processor's
 * key, and the key may have to be fetched first.
 *
 * @param loadConfig where the URL and the key come from @default the environment
 */
export function lazyPaymentProcessor(
  logger: Pick<Logger, "warn">,
  loadConfig: () => Promise<ProcessorConfig> = async () => loadProcessorConfig(),
): PaymentProcessor {
  let built: Promise<PaymentProcessor> | undefined;
  const processor = () => {
    built ??= loadConfig().then((config) =>
      withCircuitBreaker(createStripePaymentProcessor(config), {
        onStateChange: (state) => logger.warn("payment processor circuit", { state }),
      }),
    );
    // A failed load is not kept: the next call tries again.
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
  return {
    charge: async (request) => (await processor()).charge(request),
    refund: async (request) => (await processor()).refund(request),
  };
}
