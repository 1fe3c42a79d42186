import type {
  ChargeOutcome,
  ChargeRequest,
  PaymentProcessor,
  RefundOutcome,
  RefundRequest,
} from "../../functions/processor/payment-processor";
import type { ProcessorEvent } from "../../functions/processor/processor-events";

/** Stripe's test payment method whose charges are declined. */
export const DECLINED_CARD = "pm_card_chargeDeclined";
const DECLINE_CODE = "generic_decline";

/** A PaymentIntent the processor created: a charge, or a declined attempt to charge. */
export interface FakeCharge {
  /** `pi_…` */
  readonly id: string;
  /** Only a succeeded one moved money. */
  readonly status: "succeeded" | "declined";
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: string;
  readonly orderId: string;
  readonly paymentId: string;
}

/**
 * How the next charge call ends when the API does not learn its outcome:
 * `before-charging` (the request never reached the processor) or
 * `after-charging` (the charge was made, its answer lost on the way back).
 */
export type UnknownFault = "before-charging" | "after-charging";

/** What a key's first call was, to refuse its reuse with other parameters as Stripe does. */
interface KeyedCall<TOutcome> {
  readonly parameters: string;
  readonly outcome: TOutcome;
}

/**
 * A payment processor with Stripe's idempotency, in memory: a key's first
 * completed call decides its outcome, every later call with that key gets
 * the same outcome (and another call's parameters under it are a bug of the
 * caller: thrown, as the adapter throws Stripe's 400 `idempotency_error`).
 * `pm_card_chargeDeclined` is declined, as in Stripe's test mode.
 * A view of it loses its answers (`unknown`), before or after charging. It
 * records the webhook events it would send, for the test to deliver when
 * and as often as it likes.
 */
export class FakePaymentProcessor implements PaymentProcessor {
  private readonly chargeKeys = new Map<string, KeyedCall<ChargeOutcome>>();
  private readonly refundKeys = new Map<string, KeyedCall<RefundOutcome>>();
  private readonly made: FakeCharge[] = [];
  private readonly sent: ProcessorEvent[] = [];
  private sequence = 0;

  constructor(private readonly nowMs: () => number) {}

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    return this.chargeOnce(request);
  }

  /**
   * This processor as one attempt sees it when its charge answers are lost
   * (a timeout): the call never arrived, or it charged and the answer was
   * lost on the way back.
   */
  losingAnswers(fault: UnknownFault): PaymentProcessor {
    return {
      charge: async (request) => {
        if (fault === "after-charging") this.chargeOnce(request);
        return { status: "unknown", reason: "timeout" };
      },
      refund: (request) => this.refund(request),
    };
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    const parameters = JSON.stringify([request.processorPaymentId, request.amount]);
    const first = this.refundKeys.get(request.idempotencyKey);
    if (first) return this.sameCall(first, parameters);
    const outcome: RefundOutcome = { status: "succeeded", processorRefundId: this.nextId("re") };
    this.refundKeys.set(request.idempotencyKey, { parameters, outcome });
    return outcome;
  }

  /** Every charge made, in order (copies). */
  charges(): FakeCharge[] {
    return structuredClone(this.made);
  }

  chargesOf(orderId: string): FakeCharge[] {
    return this.charges().filter((charge) => charge.orderId === orderId);
  }

  /** Every event the processor would have sent, in order. */
  events(): readonly ProcessorEvent[] {
    return structuredClone(this.sent);
  }

  private chargeOnce(request: ChargeRequest): ChargeOutcome {
    const parameters = JSON.stringify([
      request.amount,
      request.currency,
      request.paymentMethod,
      request.metadata,
    ]);
    const first = this.chargeKeys.get(request.idempotencyKey);
    if (first) return this.sameCall(first, parameters);
    const { orderId, paymentId } = request.metadata;
    if (orderId === undefined || paymentId === undefined) {
      throw new Error("A charge without metadata orderId and paymentId cannot be matched");
    }
    const declined = request.paymentMethod === DECLINED_CARD;
    const charge: FakeCharge = {
      id: this.nextId("pi"),
      status: declined ? "declined" : "succeeded",
      idempotencyKey: request.idempotencyKey,
      amount: request.amount,
      currency: request.currency,
      orderId,
      paymentId,
    };
    this.made.push(charge);
    const paymentIntent = {
      processorPaymentId: charge.id,
      amount: charge.amount,
      currency: charge.currency,
      orderId,
      paymentId,
    };
    const id = this.nextId("evt");
    const created = Math.floor(this.nowMs() / 1000);
    this.sent.push(
      declined
        ? {
            kind: "payment_intent.payment_failed",
            id,
            created,
            paymentIntent,
            declineCode: DECLINE_CODE,
          }
        : { kind: "payment_intent.succeeded", id, created, paymentIntent },
    );
    const outcome: ChargeOutcome = declined
      ? { status: "declined", declineCode: DECLINE_CODE, processorPaymentId: charge.id }
      : { status: "succeeded", processorPaymentId: charge.id };
    this.chargeKeys.set(request.idempotencyKey, { parameters, outcome });
    return outcome;
  }

  private sameCall<TOutcome>(first: KeyedCall<TOutcome>, parameters: string): TOutcome {
    if (first.parameters !== parameters) {
      throw new Error("Keys for idempotent requests can only be used with the same parameters");
    }
    return first.outcome;
  }

  private nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}_fake${String(this.sequence).padStart(6, "0")}`;
  }
}
