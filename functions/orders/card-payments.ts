import { newId } from "../domain/primitives";
import type { Refusal } from "../domain/refusals";
import { BusinessWriteRejectedError, type RequestIdentity } from "../idempotency";
import type { ChargeOutcome, PaymentProcessor } from "../processor/payment-processor";
import { processorIdempotencyKey } from "../processor/processor-key";
import { ProcessorOutcomeUnknownError } from "../processor/processor-outcome-unknown-error";
import { retryOnConflict } from "../shared/optimistic-retry";
import { outboxEvent } from "../shared/outbox";
import type { AttemptPhases, WritePorts } from "../shared/write-ports";
import {
  changedOrder,
  type Order,
  type Payment,
  type Refund,
  settleCardPayment,
  startCardPayment,
} from "./order";
import { type OrderRepository, ownOrder } from "./order-repository";

/**
 * Card payments through the payment processor, in the phases of
 * rocket-rides-atomic (each phase one DynamoDB transaction with the
 * idempotency record's move to its recovery point):
 *
 *   1. `started`: the order becomes `payment_pending` and the payment
 *      `processing`, marked unsettled with the request that started it;
 *   2. the processor call (no DynamoDB write), always with the same
 *      processor key, so repeating it never charges twice;
 *   3. finished: the outcome (payment `succeeded`/`failed`, order
 *      `paid`/`pending`, an outbox event) committed with the result the
 *      record keeps as its answer (the payment, or the `card-declined`
 *      refusal), in one transaction.
 *
 * An attempt that does not learn the outcome throws
 * ProcessorOutcomeUnknownError (nothing stored) and keeps its point; its
 * retry (or the reconciler) resumes at step 2.
 */

/**
 * The phase after which an attempt resumes at the processor call; the
 * payment's id follows it (`started:<paymentId>`), so that a resumed attempt
 * finds its own payment even once another request's payment replaced it.
 */
const STARTED_PREFIX = "started:";

/** Kept back from the invocation's deadline for the finishing transaction and the answer. */
const FINISH_RESERVE_MS = 1_500;

/**
 * What a card payment or refund commits as its answer: the payment or
 * refund, or the refusal its outcome is (a declined card).
 */
type CardResult = Payment | Refund | Refusal;

export interface CardPaymentPorts<TWrite, TResult extends CardResult = CardResult>
  extends WritePorts<TWrite, TResult> {
  readonly orders: OrderRepository<TWrite>;
  readonly processor: PaymentProcessor;
  /** The attempt's phases, from the idempotency layer (lease strategy). */
  readonly phases: AttemptPhases<TWrite>;
}

export interface CardPaymentInput {
  readonly caller: string;
  readonly orderId: string;
  readonly paymentMethod: string;
}

/**
 * Pays the caller's order by card, or resumes the attempt of the same
 * request that started it.
 *
 * @returns the settled payment, or the `card-declined` refusal (both committed)
 * @throws ProcessorOutcomeUnknownError when the outcome is not known:
 *   nothing is stored, the same key resumes
 */
export async function payOrderByCard<TWrite>(
  input: CardPaymentInput,
  ports: CardPaymentPorts<TWrite, Payment | Refusal>,
): Promise<Payment | Refusal> {
  const point = ports.phases.recoveryPoint;
  const { order, payment } =
    point === undefined ? await start(input, ports) : await startedPayment(input, point, ports);
  if (payment.status !== "processing") {
    // Settled meanwhile (a webhook or the reconciler): its outcome is the answer.
    return ports.commit([], resultOf(payment));
  }
  // Bounded by the invocation: an answer the processor gives after it would be lost.
  const timeoutMs = ports.remainingTimeMs() - FINISH_RESERVE_MS;
  if (timeoutMs <= 0) throw new ProcessorOutcomeUnknownError("charge");
  const outcome = await ports.processor.charge({
    idempotencyKey: chargeKeyOf(ports.phases.identity, order.id),
    amount: payment.amount,
    currency: payment.currency,
    paymentMethod: payment.paymentMethod ?? input.paymentMethod,
    metadata: { orderId: order.id, paymentId: payment.id },
    timeoutMs,
  });
  if (outcome.status === "unknown") throw new ProcessorOutcomeUnknownError("charge");
  return finish(order, payment, outcome, ports);
}

/** The processor's idempotency key of the charge: the request's identity only. */
export function chargeKeyOf(identity: RequestIdentity, orderId: string): string {
  return processorIdempotencyKey("charge", ["payOrder", orderId, identity.pk]);
}

/** Phase 1: the order waits for the processor; the payment is processing. */
async function start<TWrite>(
  input: CardPaymentInput,
  ports: CardPaymentPorts<TWrite, Payment | Refusal>,
): Promise<{ order: Order; payment: Payment }> {
  const paymentId = newId();
  return retryOnConflict(async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    const now = ports.now();
    const at = now.toISOString();
    const pending = changedOrder(order, startCardPayment(order, at));
    const payment = processingCardPayment(order, paymentId, input.paymentMethod, at);
    const { identity } = ports.phases;
    await ports.phases.advance(`${STARTED_PREFIX}${payment.id}`, [
      ports.orders.save(order, pending),
      ports.orders.createPayment(
        payment,
        { recordKey: identity.pk, fingerprint: identity.fingerprint },
        now.getTime(),
      ),
    ]);
    return { order: pending, payment };
  }, ports.remainingTimeMs);
}

/** A resumed attempt: phase 1 is committed; the order and the request's payment are read back. */
async function startedPayment<TWrite>(
  input: CardPaymentInput,
  point: string,
  ports: CardPaymentPorts<TWrite, Payment | Refusal>,
): Promise<{ order: Order; payment: Payment }> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  const paymentId = point.startsWith(STARTED_PREFIX) ? point.slice(STARTED_PREFIX.length) : "";
  const payment = await paymentById(ports.orders, order.id, paymentId);
  if (payment?.method !== "card") {
    throw new Error(`Order ${order.id} passed phase ${point} but has no such card payment`);
  }
  return { order, payment };
}

/**
 * The order's payment of this id: the current one, or, once a failed one was
 * replaced by another request's payment, the one kept by its id.
 */
async function paymentById<TWrite>(
  orders: OrderRepository<TWrite>,
  orderId: string,
  paymentId: string,
): Promise<Payment | undefined> {
  const current = await orders.findPayment(orderId);
  if (current?.id === paymentId) return current;
  return orders.findPastPayment(orderId, paymentId);
}

/** Phase 3: the outcome, the order's state and its event, with the answer. */
async function finish<TWrite>(
  order: Order,
  payment: Payment,
  outcome: Exclude<ChargeOutcome, { status: "unknown" }>,
  ports: CardPaymentPorts<TWrite, Payment | Refusal>,
): Promise<Payment | Refusal> {
  const settlement = cardPaymentSettlement(order, payment, outcome, ports.now().toISOString());
  try {
    return await ports.commit(
      settlementWrites(ports.orders, order, payment, settlement, ports.correlationId),
      resultOf(settlement.payment),
    );
  } catch (error) {
    if (!(error instanceof BusinessWriteRejectedError)) throw error;
    // A webhook settled it first (the processor's outcome is one): answer from it.
    const settled = await paymentById(ports.orders, order.id, payment.id);
    if (!settled || settled.status === "processing") throw error;
    return ports.commit([], resultOf(settled));
  }
}

/**
 * The writes of a settlement, wherever it is decided (the payment's own
 * attempt, or the processor's event): the payment settled while it is still
 * processing, a failed one kept by its id, the order's move, its event.
 */
export function settlementWrites<TWrite>(
  orders: OrderRepository<TWrite>,
  order: Order,
  processing: Payment,
  settlement: ReturnType<typeof cardPaymentSettlement>,
  correlationId: string,
): TWrite[] {
  return [
    orders.settlePayment(processing, settlement.payment),
    ...(settlement.payment.status === "failed" ? [orders.archivePayment(settlement.payment)] : []),
    orders.save(order, settlement.order),
    orders.recordEvent(
      outboxEvent(
        settlement.eventType,
        order.id,
        { order: settlement.order, payment: settlement.payment },
        settlement.order.updatedAt,
        correlationId,
      ),
    ),
  ];
}

/** The order's card payment as it goes to the processor: its whole total, still `processing`. */
export function processingCardPayment(
  order: Order,
  paymentId: string,
  paymentMethod: string,
  at: string,
): Payment {
  return {
    id: paymentId,
    orderId: order.id,
    method: "card",
    paymentMethod,
    amount: order.total,
    currency: order.currency,
    status: "processing",
    createdAt: at,
  };
}

/** What a known outcome makes of the payment and its order. */
export function cardPaymentSettlement(
  order: Order,
  payment: Payment,
  outcome: Exclude<ChargeOutcome, { status: "unknown" }>,
  at: string,
): { payment: Payment; order: Order; eventType: "order.paid" | "order.payment_failed" } {
  const succeeded = outcome.status === "succeeded";
  const settled: Payment = {
    ...payment,
    status: succeeded ? "succeeded" : "failed",
    ...(outcome.processorPaymentId ? { processorPaymentId: outcome.processorPaymentId } : {}),
    ...(outcome.status === "declined" ? { declineCode: outcome.declineCode } : {}),
  };
  return {
    payment: settled,
    order: changedOrder(order, settleCardPayment(order, succeeded, at)),
    eventType: succeeded ? "order.paid" : "order.payment_failed",
  };
}

/** What a settled card payment answers: itself, or the `card-declined` refusal (both stored). */
export function resultOf(payment: Payment): Payment | Refusal {
  if (payment.status === "failed") {
    return { reason: "card-declined", declineCode: payment.declineCode ?? "generic_decline" };
  }
  return payment;
}
