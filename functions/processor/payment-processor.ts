/**
 * The port the card-payment use cases call: one charge or one refund at a
 * payment processor, answered with an outcome, never a transport error.
 *
 * "unknown" is the outcome the use cases must plan for: the processor may or
 * may not have acted (a timeout, a 5xx, a dropped connection, its own
 * idempotency lock still held, or our circuit open). The caller answers 503
 * and a later attempt calls again with the SAME idempotency key, which the
 * processor answers with the first call's result. A request that is our own
 * fault (the same key with other parameters, a bad API key) is a bug or a
 * misconfiguration: the adapter throws.
 */

export interface ChargeRequest {
  /** The processor's Idempotency-Key: the same for every attempt of one logical request. */
  readonly idempotencyKey: string;
  /** In minor units. */
  readonly amount: number;
  /** ISO 4217, upper case (the adapter sends lower case). */
  readonly currency: string;
  /** A payment method id, e.g. `pm_card_visa`. */
  readonly paymentMethod: string;
  /** `orderId` and `paymentId`: how webhook events find their payment. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The call must settle within this many ms (the invocation's remaining time less a reserve). */
  readonly timeoutMs: number;
}

/** Why an outcome is unknown: for logs and metrics; the caller treats them alike. */
export type UnknownReason =
  | "timeout"
  | "server-error"
  | "connection"
  | "in-progress"
  | "circuit-open";

export type ChargeOutcome =
  | { readonly status: "succeeded"; readonly processorPaymentId: string }
  | {
      readonly status: "declined";
      readonly declineCode: string;
      readonly processorPaymentId?: string;
    }
  | { readonly status: "unknown"; readonly reason: UnknownReason };

export interface RefundRequest {
  /** The processor's Idempotency-Key: the same for every attempt of one logical request. */
  readonly idempotencyKey: string;
  /** The `pi_…` id of the payment to refund. */
  readonly processorPaymentId: string;
  /** In minor units. */
  readonly amount: number;
  /** `orderId` and `refundId`: how webhook events find their refund. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The call must settle within this many ms. */
  readonly timeoutMs: number;
}

export type RefundOutcome =
  | { readonly status: "succeeded"; readonly processorRefundId: string }
  /** The processor refused it for good (e.g. more than is left). */
  | { readonly status: "refused"; readonly reason: string }
  | { readonly status: "unknown"; readonly reason: UnknownReason };

export interface PaymentProcessor {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  refund(request: RefundRequest): Promise<RefundOutcome>;
}
