import type { FunctionIdempotencyHandle } from "../idempotency";
import { cardPaymentSettlement, settlementWrites } from "../orders/card-payments";
import { cardRefundSettlement, refundSettlementWrites } from "../orders/card-refunds";
import type { Order } from "../orders/order";
import type { OrderRepository } from "../orders/order-repository";
import type { ProcessorEvent } from "../processor/processor-events";
import { retryOnConflict } from "../shared/optimistic-retry";

export interface WebhookPorts<TWrite> {
  readonly orders: OrderRepository<TWrite>;
  readonly now: () => Date;
  readonly remainingTimeMs: () => number;
  /** Carried into the outbox events the settlement writes. */
  readonly correlationId: string;
}

/** What an event did: settle something still `processing`, or nothing (a repeat, a late event). */
export interface WebhookOutcome {
  readonly applied: boolean;
}

const nothing: WebhookOutcome = { applied: false };

/**
 * Applies one processor event, under the function face of the idempotency
 * layer (commit strategy, keyed by the event id): its writes commit with the
 * event's record, so an event delivered twice is applied once. Only an item
 * still `processing` moves, by a condition on that state, so a late or
 * out-of-order event never moves a payment or a refund backwards; events
 * are matched by the metadata every create call sends, so one can settle a
 * payment before the API learned its `pi_…` id.
 */
export function applyProcessorEvent<TWrite>(
  event: ProcessorEvent,
  handle: FunctionIdempotencyHandle<TWrite>,
  ports: WebhookPorts<TWrite>,
): Promise<WebhookOutcome> {
  switch (event.kind) {
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
      return retryOnConflict(() => settlePayment(event, handle, ports), ports.remainingTimeMs);
    case "charge.refunded":
      return retryOnConflict(() => settleRefunds(event, handle, ports), ports.remainingTimeMs);
    case "ignored":
      return handle.commit([], nothing);
  }
}

type PaymentEvent = Extract<
  ProcessorEvent,
  { kind: "payment_intent.succeeded" | "payment_intent.payment_failed" }
>;

async function settlePayment<TWrite>(
  event: PaymentEvent,
  handle: FunctionIdempotencyHandle<TWrite>,
  ports: WebhookPorts<TWrite>,
): Promise<WebhookOutcome> {
  const { orderId, paymentId, processorPaymentId } = event.paymentIntent;
  // The order first: a payment still processing after it means the order read is the one
  // that waits for it (both change in one transaction). Read the other way round, an attempt
  // settling in between left a paid order beside a processing payment: 409, not a no-op.
  const order = await ports.orders.find(orderId);
  const payment = await ports.orders.findPayment(orderId);
  // Another payment of the order, or one already settled: nothing to move.
  if (!order || payment?.id !== paymentId || payment.status !== "processing") {
    return handle.commit([], nothing);
  }
  const outcome =
    event.kind === "payment_intent.succeeded"
      ? { status: "succeeded" as const, processorPaymentId }
      : { status: "declined" as const, declineCode: event.declineCode, processorPaymentId };
  const settled = cardPaymentSettlement(order, payment, outcome, ports.now().toISOString());
  return handle.commit(
    settlementWrites(ports.orders, order, payment, settled, ports.correlationId),
    { applied: true },
  );
}

async function settleRefunds<TWrite>(
  event: Extract<ProcessorEvent, { kind: "charge.refunded" }>,
  handle: FunctionIdempotencyHandle<TWrite>,
  ports: WebhookPorts<TWrite>,
): Promise<WebhookOutcome> {
  const writes: TWrite[] = [];
  const at = ports.now().toISOString();
  const orders = new Map<string, { read: Order; now: Order }>();
  for (const made of event.refunds) {
    // Only final outcomes settle; a refund still pending at the processor waits.
    if (made.status !== "succeeded" && made.status !== "failed") continue;
    // The order before the refund, as for a payment: a refund still processing then has
    // its amount held in the order read.
    const known = orders.get(made.orderId);
    const order = known?.now ?? (await ports.orders.find(made.orderId));
    if (!order) continue;
    const refund = await ports.orders.findRefund(made.orderId, made.refundId);
    if (refund?.status !== "processing") continue;
    const outcome =
      made.status === "succeeded"
        ? { status: "succeeded" as const, processorRefundId: made.processorRefundId }
        : { status: "refused" as const, reason: "failed at the processor" };
    const settled = cardRefundSettlement(order, refund, outcome, at);
    orders.set(made.orderId, { read: known?.read ?? order, now: settled.order });
    writes.push(...refundSettlementWrites(ports.orders, refund, settled, ports.correlationId));
  }
  // Each order once, from the version read to the last settlement.
  for (const { read, now } of orders.values()) writes.push(ports.orders.save(read, now));
  return handle.commit(writes, { applied: writes.length > 0 });
}
