import Stripe from "stripe";
import * as z from "zod";
import type {
  ChargeOutcome,
  ChargeRequest,
  PaymentProcessor,
  RefundOutcome,
  RefundRequest,
} from "./payment-processor";
import { requestErrorOf, unknownReasonOf } from "./stripe-errors";

/**
 * The PaymentProcessor port on Stripe's PaymentIntents API, through the
 * official client: the same code talks to Stripe's test or live mode and,
 * with `url`, to the local emulator.
 *
 * Every call carries the request's idempotency key, so the client's own
 * retries, and every later attempt of the same logical request, reach at
 * most one charge or refund; every call settles within the request's
 * `timeoutMs` (its attempts and the client's back-off included), else its
 * outcome is "unknown".
 */

export interface StripePaymentProcessorOptions {
  /** A secret key (`sk_test_…` in test mode). Never logged. */
  readonly apiKey: string;
  /** PAYMENT_PROCESSOR_URL, e.g. the emulator's `http://127.0.0.1:12111`. @default Stripe's own API */
  readonly url?: string;
  /** The client's retries within one call (same key), inside `timeoutMs`. @default 1 */
  readonly maxNetworkRetries?: number;
}

// Only what the outcome needs; the answer is data from outside the process.
const paymentIntentSchema = z.object({
  id: z.string().startsWith("pi_"),
  status: z.string(),
  last_payment_error: z
    .object({ code: z.string().optional(), decline_code: z.string().optional() })
    .nullish(),
});
const declineSchema = z.object({
  code: z.string().optional(),
  decline_code: z.string().optional(),
  payment_intent: z.object({ id: z.string().startsWith("pi_") }).optional(),
});
const refundSchema = z.object({
  id: z.string().startsWith("re_"),
  status: z.string().nullable(),
  failure_reason: z.string().nullish(),
});
const refusedRefundSchema = z.object({
  code: z.string().optional(),
  param: z.string().optional(),
  message: z.string(),
});

/**
 * @example
 * const processor = createStripePaymentProcessor({ apiKey, url: process.env.PAYMENT_PROCESSOR_URL });
 * const outcome = await processor.charge({
 *   idempotencyKey: processorIdempotencyKey("charge", identity),
 *   amount: 3000, currency: "EUR", paymentMethod: "pm_card_visa",
 *   metadata: { orderId, paymentId }, timeoutMs: context.getRemainingTimeInMillis() - 1000,
 * });
 */
export function createStripePaymentProcessor(
  options: StripePaymentProcessorOptions,
): PaymentProcessor {
  const stripe = new Stripe(options.apiKey, {
    ...addressOf(options.url),
    maxNetworkRetries: options.maxNetworkRetries ?? 1,
    appInfo: { name: "idempotent-payments-api" },
  });

  return {
    async charge(request: ChargeRequest): Promise<ChargeOutcome> {
      return settleWithin(request.timeoutMs, async (): Promise<ChargeOutcome> => {
        try {
          const intent = await stripe.paymentIntents.create(
            {
              amount: request.amount,
              currency: request.currency.toLowerCase(),
              payment_method: request.paymentMethod,
              confirm: true,
              // A server-side confirm with no customer present: no payment
              // method that would need a redirect (and a return_url).
              automatic_payment_methods: { enabled: true, allow_redirects: "never" },
              metadata: { ...request.metadata },
            },
            { idempotencyKey: request.idempotencyKey, timeout: request.timeoutMs },
          );
          return chargeOutcomeOf(paymentIntentSchema.parse(intent));
        } catch (error) {
          if (error instanceof Stripe.errors.StripeCardError) {
            const declined = declineSchema.parse(error);
            return {
              status: "declined",
              declineCode: declined.decline_code ?? declined.code ?? "card_declined",
              ...(declined.payment_intent
                ? { processorPaymentId: declined.payment_intent.id }
                : {}),
            };
          }
          const reason = unknownReasonOf(error);
          if (reason) return { status: "unknown", reason };
          throw requestErrorOf("charge", error);
        }
      });
    },

    async refund(request: RefundRequest): Promise<RefundOutcome> {
      return settleWithin(request.timeoutMs, async (): Promise<RefundOutcome> => {
        try {
          const refund = await stripe.refunds.create(
            {
              payment_intent: request.processorPaymentId,
              amount: request.amount,
              metadata: { ...request.metadata },
            },
            { idempotencyKey: request.idempotencyKey, timeout: request.timeoutMs },
          );
          return refundOutcomeOf(refundSchema.parse(refund));
        } catch (error) {
          if (isRefusedForGood(error)) {
            return { status: "refused", reason: refusedRefundSchema.parse(error).message };
          }
          const reason = unknownReasonOf(error);
          if (reason) return { status: "unknown", reason };
          throw requestErrorOf("refund", error);
        }
      });
    },
  };
}

function chargeOutcomeOf(intent: z.infer<typeof paymentIntentSchema>): ChargeOutcome {
  switch (intent.status) {
    case "succeeded":
      return { status: "succeeded", processorPaymentId: intent.id };
    // Confirmed and refused: declined (a card needing 3-D Secure cannot be
    // authenticated without the customer, so it is declined as Stripe names it).
    case "requires_payment_method":
    case "requires_action":
      return {
        status: "declined",
        declineCode:
          intent.last_payment_error?.decline_code ??
          intent.last_payment_error?.code ??
          (intent.status === "requires_action" ? "authentication_required" : "card_declined"),
        processorPaymentId: intent.id,
      };
    // Still being processed: settled later by its webhook event.
    default:
      return { status: "unknown", reason: "in-progress" };
  }
}

function refundOutcomeOf(refund: z.infer<typeof refundSchema>): RefundOutcome {
  switch (refund.status) {
    // Card refunds are accepted at once; `pending` ones complete later, and
    // `charge.refunded` confirms them.
    case "succeeded":
    case "pending":
      return { status: "succeeded", processorRefundId: refund.id };
    case "failed":
    case "canceled":
      return { status: "refused", reason: refund.failure_reason ?? `refund ${refund.status}` };
    default:
      return { status: "unknown", reason: "in-progress" };
  }
}

/** More than is left, or nothing left: the processor will never accept this refund. */
function isRefusedForGood(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    (error.param === "amount" || error.code === "charge_already_refunded")
  );
}

/**
 * The call's outcome, or "unknown: timeout" once `timeoutMs` has passed: the
 * client's timeout bounds each attempt, this bounds the whole call, retries
 * and back-off included. An attempt still running is left to finish; its
 * answer is dropped (a later call with the same key gets it).
 */
async function settleWithin<T>(
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T | { readonly status: "unknown"; readonly reason: "timeout" }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ readonly status: "unknown"; readonly reason: "timeout" }>(
    (resolve) => {
      timer = setTimeout(() => resolve({ status: "unknown", reason: "timeout" }), timeoutMs);
    },
  );
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The client's address options for a base URL; none for Stripe's own API. */
function addressOf(
  url: string | undefined,
): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> {
  if (url === undefined) return {};
  const { hostname, port, protocol } = new URL(url);
  const secure = protocol === "https:";
  return {
    host: hostname,
    port: port === "" ? (secure ? 443 : 80) : Number(port),
    protocol: secure ? "https" : "http",
  };
}
