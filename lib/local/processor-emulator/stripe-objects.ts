/**
 * The emulator's objects in Stripe's own shapes (API version 2025+), only the
 * fields the contract's subset uses and a few that make them recognizable.
 */

/** Test payment methods: what each does at confirmation, as in Stripe's test mode. */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, { readonly declineCode?: string }>> = {
  pm_card_visa: {},
  pm_card_mastercard: {},
  pm_card_chargeDeclined: { declineCode: "generic_decline" },
  pm_card_chargeDeclinedInsufficientFunds: { declineCode: "insufficient_funds" },
};

export interface PaymentError {
  readonly type: "card_error";
  readonly code: "card_declined";
  readonly decline_code: string;
  readonly message: string;
  readonly charge: string;
  readonly payment_method: { readonly id: string; readonly object: "payment_method" };
}

export interface PaymentIntent {
  readonly id: string;
  readonly object: "payment_intent";
  readonly amount: number;
  readonly amount_received: number;
  readonly currency: string;
  readonly status: "succeeded" | "requires_payment_method";
  readonly payment_method: string | null;
  readonly payment_method_types: readonly string[];
  readonly capture_method: "automatic";
  readonly confirmation_method: "automatic";
  readonly created: number;
  readonly livemode: false;
  readonly metadata: Readonly<Record<string, string>>;
  readonly latest_charge: string;
  readonly last_payment_error: PaymentError | null;
}

export interface Refund {
  readonly id: string;
  readonly object: "refund";
  readonly amount: number;
  readonly currency: string;
  readonly charge: string;
  readonly payment_intent: string;
  readonly status: "succeeded";
  readonly created: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The charge `charge.refunded` carries, with its refunds listed. */
export interface Charge {
  readonly id: string;
  readonly object: "charge";
  readonly amount: number;
  readonly amount_refunded: number;
  readonly currency: string;
  readonly payment_intent: string;
  readonly refunded: boolean;
  readonly status: "succeeded";
  readonly metadata: Readonly<Record<string, string>>;
  readonly refunds: {
    readonly object: "list";
    readonly data: readonly Refund[];
    readonly has_more: false;
  };
}

export type EventType =
  | "payment_intent.succeeded"
  | "payment_intent.payment_failed"
  | "charge.refunded";

export interface StripeEvent {
  readonly id: string;
  readonly object: "event";
  readonly api_version: string;
  readonly created: number;
  readonly livemode: false;
  readonly pending_webhooks: number;
  readonly type: EventType;
  readonly data: { readonly object: PaymentIntent | Charge };
}

/** Stripe's error body: `{ error: { type, code?, message, … } }`. */
export interface StripeErrorBody {
  readonly error: {
    readonly type: "api_error" | "card_error" | "idempotency_error" | "invalid_request_error";
    readonly message: string;
    readonly code?: string;
    readonly param?: string;
    readonly decline_code?: string;
    readonly charge?: string;
    readonly payment_intent?: PaymentIntent;
  };
}

export function stripeError(
  type: StripeErrorBody["error"]["type"],
  message: string,
  extra: Omit<StripeErrorBody["error"], "type" | "message"> = {},
): StripeErrorBody {
  return { error: { type, message, ...extra } };
}
