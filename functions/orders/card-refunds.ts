import { newId } from "../domain/primitives";
import type { Refusal } from "../domain/refusals";
import type { RequestIdentity } from "../idempotency";
import type { RefundOutcome } from "../processor/payment-processor";
import { processorIdempotencyKey } from "../processor/processor-key";
import { ProcessorOutcomeUnknownError } from "../processor/processor-outcome-unknown-error";
import { retryOnConflict } from "../shared/optimistic-retry";
import { outboxEvent } from "../shared/outbox";
import type { CardPaymentPorts } from "./card-payments";
import {
  changedOrder,
  type Order,
  type Refund,
  refundableAmount,
  settleCardRefund,
  startCardRefund,
} from "./order";
import { type OrderRepository, ownOrder } from "./order-repository";

/**
 * Refunds of card-paid orders, through the processor, in the same phases as
 * a card payment: `started:<refundId>` (the refund `processing`, its amount
 * held back from what is refundable, so concurrent refunds never exceed the
 * payment), the processor call with the request's own processor key, then
 * the outcome with the answer. The refund's id travels in the recovery
 * point, so a resumed attempt finds its refund.
 */

const STARTED_PREFIX = "started:";

/** Kept back from the invocation's deadline for the finishing transaction and the answer. */
const FINISH_RESERVE_MS = 1_500;

export interface CardRefundInput {
  readonly caller: string;
  readonly orderId: string;
  readonly amount: number;
}

/**
 * @returns the settled refund, or the `refund-exceeds-payment` refusal when
 *   the processor refused it (both committed)
 * @throws ProcessorOutcomeUnknownError when the outcome is not known:
 *   nothing is stored, the same key resumes
 */
export async function refundOrderByCard<TWrite>(
  input: CardRefundInput,
  ports: CardPaymentPorts<TWrite, Refund | Refusal>,
): Promise<Refund | Refusal> {
  const point = ports.phases.recoveryPoint;
  const { order, refund } = point?.startsWith(STARTED_PREFIX)
    ? await startedRefund(input, point.slice(STARTED_PREFIX.length), ports)
    : await start(input, ports);
  if (refund.status !== "processing") return ports.commit([], resultOf(refund, order));
  const payment = await ports.orders.findPayment(order.id);
  if (!payment?.processorPaymentId) {
    throw new Error(`Order ${order.id} has a card refund but no charge at the processor`);
  }
  const timeoutMs = ports.remainingTimeMs() - FINISH_RESERVE_MS;
  if (timeoutMs <= 0) throw new ProcessorOutcomeUnknownError("refund");
  const outcome = await ports.processor.refund({
    idempotencyKey: refundKeyOf(ports.phases.identity, order.id),
    processorPaymentId: payment.processorPaymentId,
    amount: refund.amount,
    metadata: { orderId: order.id, refundId: refund.id },
    timeoutMs,
  });
  if (outcome.status === "unknown") throw new ProcessorOutcomeUnknownError("refund");
  return finish(order, refund, outcome, ports);
}

/** The processor's idempotency key of the refund: the request's identity only. */
export function refundKeyOf(identity: RequestIdentity, orderId: string): string {
  return processorIdempotencyKey("refund", ["refundOrder", orderId, identity.pk]);
}

async function start<TWrite>(
  input: CardRefundInput,
  ports: CardPaymentPorts<TWrite, Refund | Refusal>,
): Promise<{ order: Order; refund: Refund }> {
  const refundId = newId();
  return retryOnConflict(async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    const now = ports.now();
    const at = now.toISOString();
    const held = changedOrder(order, startCardRefund(order, input.amount, at));
    const refund: Refund = {
      id: refundId,
      orderId: order.id,
      amount: input.amount,
      status: "processing",
      createdAt: at,
    };
    const { identity } = ports.phases;
    await ports.phases.advance(`${STARTED_PREFIX}${refund.id}`, [
      ports.orders.save(order, held),
      ports.orders.createRefund(
        refund,
        { recordKey: identity.pk, fingerprint: identity.fingerprint },
        now.getTime(),
      ),
    ]);
    return { order: held, refund };
  }, ports.remainingTimeMs);
}

async function startedRefund<TWrite>(
  input: CardRefundInput,
  refundId: string,
  ports: CardPaymentPorts<TWrite, Refund | Refusal>,
): Promise<{ order: Order; refund: Refund }> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  const refund = await ports.orders.findRefund(order.id, refundId);
  if (!refund)
    throw new Error(`Order ${order.id} passed phase started but has no refund ${refundId}`);
  return { order, refund };
}

/**
 * Phase 3. Other refunds of the order move its version while this one is at
 * the processor, and a webhook may settle this one first: a refused
 * transaction reads the order and the refund again and decides again.
 */
async function finish<TWrite>(
  order: Order,
  refund: Refund,
  outcome: Exclude<RefundOutcome, { status: "unknown" }>,
  ports: CardPaymentPorts<TWrite, Refund | Refusal>,
): Promise<Refund | Refusal> {
  let round = 0;
  return retryOnConflict(async () => {
    // The first round decides on what phase 1 left; a refused one reads again.
    const current = round === 0 ? { order, refund } : await reread({ order, refund }, ports);
    round += 1;
    if (current.refund.status !== "processing") {
      return ports.commit([], resultOf(current.refund, current.order));
    }
    const at = ports.now().toISOString();
    const settlement = cardRefundSettlement(current.order, current.refund, outcome, at);
    return ports.commit(
      [
        ...refundSettlementWrites(ports.orders, current.refund, settlement, ports.correlationId),
        ports.orders.save(current.order, settlement.order),
      ],
      resultOf(settlement.refund, settlement.order),
    );
  }, ports.remainingTimeMs);
}

/** The order and the refund as they are now (another refund moved the order, or a webhook settled this one). */
async function reread<TWrite>(
  was: { order: Order; refund: Refund },
  ports: CardPaymentPorts<TWrite, Refund | Refusal>,
): Promise<{ order: Order; refund: Refund }> {
  const order = await ownOrder(ports.orders, was.order.ownerId, was.order.id);
  const refund = await ports.orders.findRefund(was.order.id, was.refund.id);
  if (!refund) throw new Error(`Order ${order.id} lost its refund ${was.refund.id}`);
  return { order, refund };
}

/**
 * The writes of a refund's settlement, wherever it is decided (its own
 * attempt, or the processor's event): the refund settled while it is still
 * processing, and its event. The order's move is saved by the caller: an
 * event may settle several refunds of one order.
 */
export function refundSettlementWrites<TWrite>(
  orders: OrderRepository<TWrite>,
  processing: Refund,
  settlement: ReturnType<typeof cardRefundSettlement>,
  correlationId: string,
): TWrite[] {
  return [
    orders.settleRefund(processing, settlement.refund),
    orders.recordEvent(
      outboxEvent(
        settlement.eventType,
        processing.orderId,
        { order: settlement.order, refund: settlement.refund },
        settlement.order.updatedAt,
        correlationId,
      ),
    ),
  ];
}

/** What a known outcome makes of the refund and its order. */
export function cardRefundSettlement(
  order: Order,
  refund: Refund,
  outcome: Exclude<RefundOutcome, { status: "unknown" }>,
  at: string,
): { refund: Refund; order: Order; eventType: "order.refunded" | "order.refund_failed" } {
  const succeeded = outcome.status === "succeeded";
  return {
    refund: {
      ...refund,
      status: succeeded ? "succeeded" : "failed",
      ...(succeeded ? { processorRefundId: outcome.processorRefundId } : {}),
    },
    order: changedOrder(order, settleCardRefund(order, refund.amount, succeeded, at)),
    eventType: succeeded ? "order.refunded" : "order.refund_failed",
  };
}

/** A refund made answers itself; one the processor refused, as one the API refuses. */
function resultOf(refund: Refund, order: Order): Refund | Refusal {
  if (refund.status === "failed") {
    return { reason: "refund-exceeds-payment", refundable: refundableAmount(order) };
  }
  return refund;
}
