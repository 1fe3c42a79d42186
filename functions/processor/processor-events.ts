import Stripe from "stripe";
import * as z from "zod";

/**
 * The processor's webhook events, verified and parsed into what the API
 * applies. A body is trusted only once its `Stripe-Signature` checks out
 * (HMAC-SHA256 over `t.payload` with the endpoint's secret, the timestamp
 * within the tolerance), which the official client's `constructEvent` does;
 * then the event is parsed with zod, keeping only what is applied. Events
 * are matched by the metadata every create call sends (`orderId` with
 * `paymentId` or `refundId`): an event can arrive before the API learned
 * the processor's id. An event of another type, or about something this API
 * did not create (no such metadata), is "ignored": answered 2xx, applied
 * never.
 */

/** A missing, malformed, wrong or stale signature: answer 400, apply nothing. */
export class WebhookSignatureInvalidError extends Error {
  override readonly name = "WebhookSignatureInvalidError";
}

/** A correctly signed event of a known type whose body is not what Stripe documents. */
export class ProcessorEventInvalidError extends Error {
  override readonly name = "ProcessorEventInvalidError";
}

/** A payment intent as an event carries it. */
export interface EventPaymentIntent {
  /** `pi_…` */
  readonly processorPaymentId: string;
  readonly amount: number;
  /** ISO 4217, upper case (the processor writes lower case). */
  readonly currency: string;
  readonly orderId: string;
  readonly paymentId: string;
}

/** One of the refunds a `charge.refunded` event lists. */
export interface EventRefund {
  /** `re_…` */
  readonly processorRefundId: string;
  readonly amount: number;
  /** `succeeded`, `pending`, `failed`, `canceled` or `requires_action`. */
  readonly status: string;
  readonly orderId: string;
  readonly refundId: string;
}

export type ProcessorEvent =
  | {
      readonly kind: "payment_intent.succeeded";
      readonly id: string;
      readonly created: number;
      readonly paymentIntent: EventPaymentIntent;
    }
  | {
      readonly kind: "payment_intent.payment_failed";
      readonly id: string;
      readonly created: number;
      readonly paymentIntent: EventPaymentIntent;
      readonly declineCode: string;
    }
  | {
      readonly kind: "charge.refunded";
      readonly id: string;
      readonly created: number;
      readonly processorPaymentId: string;
      /** The charge's refunds this API made (with its metadata), oldest first. */
      readonly refunds: readonly EventRefund[];
    }
  | { readonly kind: "ignored"; readonly id: string; readonly type: string };

export interface VerifyProcessorEventOptions {
  /** How old a signature's timestamp may be. @default 300 (Stripe's own default) */
  readonly toleranceSeconds?: number;
  /** The clock the timestamp is checked against. @default Date.now */
  readonly now?: () => number;
}

const DEFAULT_TOLERANCE_SECONDS = 300;

const envelopeSchema = z.object({
  id: z.string().startsWith("evt_"),
  type: z.string().min(1),
  created: z.number().int(),
  data: z.object({ object: z.unknown() }),
});

const intentMetadataSchema = z.object({ orderId: z.string().min(1), paymentId: z.string().min(1) });
const paymentIntentSchema = z.object({
  id: z.string().startsWith("pi_"),
  amount: z.number().int(),
  currency: z.string().length(3),
  metadata: z.record(z.string(), z.string()),
  last_payment_error: z
    .object({ code: z.string().nullish(), decline_code: z.string().nullish() })
    .nullish(),
});
const refundMetadataSchema = z.object({ orderId: z.string().min(1), refundId: z.string().min(1) });
const chargeSchema = z.object({
  id: z.string().startsWith("ch_"),
  payment_intent: z.string().startsWith("pi_").nullable(),
  // Since API version 2022-11-15 a charge lists its refunds only when expanded.
  refunds: z
    .object({
      data: z.array(
        z.object({
          id: z.string().startsWith("re_"),
          amount: z.number().int(),
          status: z.string().nullable(),
          metadata: z.record(z.string(), z.string()).nullish(),
        }),
      ),
    })
    .nullish(),
});

/**
 * Verifies `rawBody` (the bytes as received: any re-serialization breaks the
 * signature) against its `Stripe-Signature` header, then parses the event.
 *
 * @throws WebhookSignatureInvalidError on a missing, bad or stale signature
 * @throws ProcessorEventInvalidError on a signed event of a known type with another shape
 * @example
 * const event = verifyProcessorEvent(body, headers["stripe-signature"], config.webhookSecret);
 * if (event.kind === "ignored") return accepted();
 */
export function verifyProcessorEvent(
  rawBody: string,
  signatureHeader: string | undefined,
  secret: string,
  options: VerifyProcessorEventOptions = {},
): ProcessorEvent {
  if (signatureHeader === undefined || signatureHeader.trim() === "") {
    throw new WebhookSignatureInvalidError("No Stripe-Signature header");
  }
  let verified: unknown;
  try {
    verified = Stripe.webhooks.constructEvent(
      rawBody,
      signatureHeader,
      secret,
      // 0 would turn Stripe's timestamp check off: never.
      Math.max(1, options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS),
      undefined,
      (options.now ?? Date.now)(),
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      // Stripe's message says why (no match, too old) and holds no secret.
      throw new WebhookSignatureInvalidError(error.message, { cause: error });
    }
    // Signed, but not JSON: the same answer (a signer never sends it).
    throw new WebhookSignatureInvalidError("The signed body is not an event", { cause: error });
  }
  return parseProcessorEvent(verified);
}

/** Parses a verified event (also for events from a trusted source, e.g. EventBridge). */
function parseProcessorEvent(verified: unknown): ProcessorEvent {
  const envelope = parseOrThrow(envelopeSchema, verified, "event");
  const { id, type, created } = envelope;
  const ignored = { kind: "ignored", id, type } as const;
  switch (type) {
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed": {
      const intent = parseOrThrow(paymentIntentSchema, envelope.data.object, type);
      const metadata = intentMetadataSchema.safeParse(intent.metadata);
      if (!metadata.success) return ignored;
      const paymentIntent: EventPaymentIntent = {
        processorPaymentId: intent.id,
        amount: intent.amount,
        currency: intent.currency.toUpperCase(),
        orderId: metadata.data.orderId,
        paymentId: metadata.data.paymentId,
      };
      if (type === "payment_intent.succeeded") {
        return { kind: type, id, created, paymentIntent };
      }
      const error = intent.last_payment_error;
      return {
        kind: type,
        id,
        created,
        paymentIntent,
        declineCode: error?.decline_code ?? error?.code ?? "card_declined",
      };
    }
    case "charge.refunded": {
      const charge = parseOrThrow(chargeSchema, envelope.data.object, type);
      if (charge.payment_intent === null) return ignored;
      const refunds: EventRefund[] = [];
      for (const refund of charge.refunds?.data ?? []) {
        const metadata = refundMetadataSchema.safeParse(refund.metadata ?? {});
        if (!metadata.success) continue;
        refunds.push({
          processorRefundId: refund.id,
          amount: refund.amount,
          status: refund.status ?? "pending",
          orderId: metadata.data.orderId,
          refundId: metadata.data.refundId,
        });
      }
      refunds.reverse();
      return { kind: type, id, created, processorPaymentId: charge.payment_intent, refunds };
    }
    default:
      return ignored;
  }
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // Names the fields, never their values.
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(root)").join(", ");
    throw new ProcessorEventInvalidError(`Unexpected ${what} shape: ${fields}`);
  }
  return parsed.data;
}
