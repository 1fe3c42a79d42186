import type { PaymentProcessor } from "../../functions/processor/payment-processor";
import { createStripePaymentProcessor } from "../../functions/processor/stripe-payment-processor";
import { LOCAL_PROCESSOR_API_KEY } from "../../lib/local/processor-emulator/processor-emulator";

/** The Stripe client on the emulator, counting the use case's calls of the port. */
export class CountingProcessor {
  calls = 0;
  readonly processor: PaymentProcessor;

  constructor(url: string) {
    const stripe = createStripePaymentProcessor({ apiKey: LOCAL_PROCESSOR_API_KEY, url });
    this.processor = {
      charge: (request) => {
        this.calls += 1;
        return stripe.charge(request);
      },
      refund: (request) => {
        this.calls += 1;
        return stripe.refund(request);
      },
    };
  }
}
