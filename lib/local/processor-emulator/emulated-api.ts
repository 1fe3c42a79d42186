import { emulatorId } from "./emulator-ids";
import type { FormParams } from "./form-params";
import {
  type Charge,
  type PaymentIntent,
  type Refund,
  type StripeErrorBody,
  stripeError,
  TEST_PAYMENT_METHODS,
} from "./stripe-objects";
import type { WebhookSender } from "./webhook-sender";

/**
 * The processor's state and the three operations of the contract's subset,
 * in memory: what the endpoints do once a request is let through (its key
 * claimed, its faults played).
 */

export interface ApiAnswer {
  readonly statusCode: number;
  readonly body: unknown;
  /** Whether Stripe keeps this answer under the request's idempotency key (the endpoint ran). */
  readonly keepForKey: boolean;
}

interface IntentEntry {
  intent: PaymentIntent;
  readonly idempotencyKey: string | undefined;
  readonly refunds: Refund[];
}

interface RefundEntry {
  readonly refund: Refund;
  readonly idempotencyKey: string | undefined;
}

const invalid = (message: string, extra: Omit<StripeErrorBody["error"], "type" | "message"> = {}) =>
  ({
    statusCode: 400,
    body: stripeError("invalid_request_error", message, extra),
    keepForKey: false,
  }) satisfies ApiAnswer;

export class EmulatedApi {
  private readonly intents = new Map<string, IntentEntry>();
  private readonly refundEntries: RefundEntry[] = [];

  constructor(
    private readonly webhooks: WebhookSender,
    private readonly now: () => number,
  ) {}

  /** `POST /v1/payment_intents` with `confirm=true`: the charge is attempted at once. */
  createPaymentIntent(params: FormParams, idempotencyKey: string | undefined): ApiAnswer {
    const amount = params.get("amount");
    const currency = params.get("currency");
    const paymentMethod = params.get("payment_method");
    if (amount === undefined || !/^[1-9]\d{0,10}$/.test(amount)) {
      return invalid("Invalid integer: amount", { param: "amount" });
    }
    if (currency === undefined || !/^[a-z]{3}$/.test(currency)) {
      return invalid("Invalid currency: must be a lower-case ISO code", { param: "currency" });
    }
    if (paymentMethod === undefined) {
      return invalid("Missing required param: payment_method.", { param: "payment_method" });
    }
    if (params.get("confirm") !== "true") {
      return invalid("The emulator supports confirm=true only.", { param: "confirm" });
    }
    // Stripe's default (automatic payment methods, redirects allowed) needs a return_url to confirm.
    const cardOnly = ["payment_method_types", "allowed_payment_method_types"].some(
      (name) => params.list(name).join(",") === "card",
    );
    const noRedirects = params.get("automatic_payment_methods[allow_redirects]") === "never";
    if (!cardOnly && !noRedirects) {
      return invalid(
        "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`.",
        { param: "return_url" },
      );
    }
    const behaviour = TEST_PAYMENT_METHODS[paymentMethod];
    if (!behaviour) {
      return invalid(`No such PaymentMethod: '${paymentMethod}'`, {
        code: "resource_missing",
        param: "payment_method",
      });
    }

    const chargeId = emulatorId("ch");
    const declined = behaviour.declineCode !== undefined;
    const intent: PaymentIntent = {
      id: emulatorId("pi"),
      object: "payment_intent",
      amount: Number(amount),
      amount_received: declined ? 0 : Number(amount),
      currency,
      status: declined ? "requires_payment_method" : "succeeded",
      payment_method: declined ? null : paymentMethod,
      payment_method_types: ["card"],
      capture_method: "automatic",
      confirmation_method: "automatic",
      created: this.seconds(),
      livemode: false,
      metadata: params.nested("metadata"),
      latest_charge: chargeId,
      last_payment_error:
        behaviour.declineCode === undefined
          ? null
          : {
              type: "card_error",
              code: "card_declined",
              decline_code: behaviour.declineCode,
              message: "Your card was declined.",
              charge: chargeId,
              payment_method: { id: paymentMethod, object: "payment_method" },
            },
    };
    this.intents.set(intent.id, { intent, idempotencyKey, refunds: [] });

    if (intent.last_payment_error) {
      this.webhooks.emit("payment_intent.payment_failed", intent);
      return {
        statusCode: 402,
        body: stripeError("card_error", intent.last_payment_error.message, {
          code: "card_declined",
          decline_code: intent.last_payment_error.decline_code,
          charge: chargeId,
          payment_intent: intent,
        }),
        keepForKey: true,
      };
    }
    this.webhooks.emit("payment_intent.succeeded", intent);
    return { statusCode: 200, body: intent, keepForKey: true };
  }

  /** `GET /v1/payment_intents/{id}`. */
  retrievePaymentIntent(id: string): ApiAnswer {
    const entry = this.intents.get(id);
    if (!entry) {
      return {
        statusCode: 404,
        body: stripeError("invalid_request_error", `No such payment_intent: '${id}'`, {
          code: "resource_missing",
          param: "intent",
        }),
        keepForKey: false,
      };
    }
    return { statusCode: 200, body: entry.intent, keepForKey: false };
  }

  /** `POST /v1/refunds`: all of what is left when `amount` is absent. */
  createRefund(params: FormParams, idempotencyKey: string | undefined): ApiAnswer {
    const intentId = params.get("payment_intent");
    if (intentId === undefined) {
      return invalid("Missing required param: payment_intent.", { param: "payment_intent" });
    }
    const entry = this.intents.get(intentId);
    if (!entry) {
      return invalid(`No such payment_intent: '${intentId}'`, {
        code: "resource_missing",
        param: "payment_intent",
      });
    }
    const requested = params.get("amount");
    if (requested !== undefined && !/^[1-9]\d{0,10}$/.test(requested)) {
      return invalid("Invalid integer: amount", { param: "amount" });
    }
    const { intent } = entry;
    // From here the endpoint ran: its refusals are kept under the key, as Stripe's.
    const refused = (
      message: string,
      extra: Omit<StripeErrorBody["error"], "type" | "message">,
    ) => ({
      ...invalid(message, extra),
      keepForKey: true,
    });
    if (intent.status !== "succeeded") {
      return refused("This PaymentIntent does not have a successful charge to refund.", {
        code: "charge_not_refundable",
        param: "payment_intent",
      });
    }
    const left = intent.amount - entry.refunds.reduce((sum, refund) => sum + refund.amount, 0);
    if (left === 0) {
      return refused(`Charge ${intent.latest_charge} has already been refunded.`, {
        code: "charge_already_refunded",
      });
    }
    const amount = requested === undefined ? left : Number(requested);
    if (amount > left) {
      return refused(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        { param: "amount" },
      );
    }

    const refund: Refund = {
      id: emulatorId("re"),
      object: "refund",
      amount,
      currency: intent.currency,
      charge: intent.latest_charge,
      payment_intent: intent.id,
      status: "succeeded",
      created: this.seconds(),
      metadata: params.nested("metadata"),
    };
    entry.refunds.push(refund);
    this.refundEntries.push({ refund, idempotencyKey });
    this.webhooks.emit("charge.refunded", this.chargeOf(entry));
    return { statusCode: 200, body: refund, keepForKey: true };
  }

  paymentIntents(): PaymentIntent[] {
    return [...this.intents.values()].map((entry) => entry.intent);
  }

  refunds(): Refund[] {
    return this.refundEntries.map((entry) => entry.refund);
  }

  /** Payment intents created (each one charge attempt) with `idempotencyKey`, or all. */
  chargesCreated(idempotencyKey?: string): number {
    return [...this.intents.values()].filter(
      (entry) => idempotencyKey === undefined || entry.idempotencyKey === idempotencyKey,
    ).length;
  }

  /** Refunds created with `idempotencyKey`, or all. */
  refundsCreated(idempotencyKey?: string): number {
    return this.refundEntries.filter(
      (entry) => idempotencyKey === undefined || entry.idempotencyKey === idempotencyKey,
    ).length;
  }

  private chargeOf(entry: IntentEntry): Charge {
    const refunded = entry.refunds.reduce((sum, refund) => sum + refund.amount, 0);
    return {
      id: entry.intent.latest_charge,
      object: "charge",
      amount: entry.intent.amount,
      amount_refunded: refunded,
      currency: entry.intent.currency,
      payment_intent: entry.intent.id,
      refunded: refunded === entry.intent.amount,
      status: "succeeded",
      metadata: entry.intent.metadata,
      // Newest first, as Stripe lists.
      refunds: { object: "list", data: [...entry.refunds].reverse(), has_more: false },
    };
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
