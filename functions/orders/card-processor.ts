import type { PaymentProcessor } from "../processor/payment-processor";
import { withCircuitBreaker } from "../processor/processor-circuit";
import type { ProcessorConfig } from "../processor/processor-config";
import { createStripePaymentProcessor } from "../processor/stripe-payment-processor";
import type { Logger } from "../shared/observability/logger";
import { MetricName, type Metrics, MetricUnit } from "../shared/observability/metrics";

/** A processor built on first use; `ready` builds it now (its key loaded), or throws why not. */
export interface LazyPaymentProcessor extends PaymentProcessor {
  ready(): Promise<void>;
}

/**
 * The payment processor a function talks to: the Stripe client at
 * PAYMENT_PROCESSOR_URL (Stripe's own API when unset) behind a circuit
 * breaker, so a processor in trouble is answered 503 fast instead of holding
 * every invocation until its timeout. Built on the first card call and kept
 * for the container's life: a wallet payment never needs the processor's
 * key, and the key may have to be fetched first.
 *
 * @param loadConfig where the URL and the key come from (the secret on AWS, the environment locally)
 */
export function lazyPaymentProcessor(
  observability: { readonly logger: Pick<Logger, "warn">; readonly metrics: Metrics },
  loadConfig: () => Promise<ProcessorConfig>,
): LazyPaymentProcessor {
  const { logger, metrics } = observability;
  let built: Promise<PaymentProcessor> | undefined;
  const processor = () => {
    built ??= loadConfig().then((config) =>
      withCircuitBreaker(createStripePaymentProcessor(config), {
        onStateChange: (state) => {
          logger.warn("payment processor circuit", { state });
          if (state === "open")
            metrics.addMetric(MetricName.ProcessorCircuitOpened, MetricUnit.Count, 1);
        },
      }),
    );
    // A failed load is not kept: the next call tries again.
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
  /** An outcome the API did not learn is counted: the processor error rate alarms on it. */
  const counted = <T extends { readonly status: string }>(outcome: T): T => {
    if (outcome.status === "unknown") {
      metrics.addMetric(MetricName.ProcessorUnknownOutcome, MetricUnit.Count, 1);
    }
    return outcome;
  };
  return {
    ready: async () => {
      await processor();
    },
    charge: async (request) => counted(await (await processor()).charge(request)),
    refund: async (request) => counted(await (await processor()).refund(request)),
  };
}
