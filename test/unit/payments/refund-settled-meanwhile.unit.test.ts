import {
  InMemoryIdempotencyStore,
  type InMemoryWrite,
  makeIdempotent,
} from "../../../functions/idempotency";
import { cardRefundSettlement } from "../../../functions/orders/card-refunds";
import { newOrder, type Order, type Payment, type Refund } from "../../../functions/orders/order";
import type { ProcessorEvent } from "../../../functions/processor/processor-events";
import {
  applyProcessorEvent,
  type WebhookOutcome,
} from "../../../functions/webhooks/apply-processor-event";
import { afterFirstRead } from "../../support/after-first-read";
import { InMemoryOrderRepository } from "../../support/in-memory-order-repository";

/**
 * The refund twin of the payment race the card-payment model found: a card
 * refund its own attempt settles while the webhook is between its reads of
 * the refund and the order is settled, so its `charge.refunded` event is a
 * no-op, not a 409. One fixed interleaving (refunds are not in the model).
 */

const ORDER_ID = "01JORDER0000000000000000A1";
const REFUND_ID = "01JREFUND000000000000000R1";
const AT = "2026-01-01T00:00:00.000Z";

/** Writes as one transaction would, outside any request (the test's setup). */
function applyNow(writes: readonly InMemoryWrite[]): void {
  if (writes.some((write) => write.condition && !write.condition())) {
    throw new Error("a setup write was refused");
  }
  for (const write of writes) write.apply();
}

/** A card-paid order of 1000 with a refund of 300 at the processor. */
function paidOrderRefunding(orders: InMemoryOrderRepository): { order: Order; refund: Refund } {
  const created = newOrder({
    id: ORDER_ID,
    ownerId: "alice",
    currency: "EUR",
    items: [{ sku: "sku-1", quantity: 1, unitPrice: 1_000 }],
    at: AT,
  });
  const order: Order = {
    ...created,
    status: "paid",
    paidAmount: 1_000,
    refundPendingAmount: 300,
    version: 3,
  };
  const payment: Payment = {
    id: "01JPAYMENT00000000000000P1",
    orderId: ORDER_ID,
    method: "card",
    paymentMethod: "pm_card_visa",
    amount: 1_000,
    currency: "EUR",
    status: "succeeded",
    processorPaymentId: "pi_1",
    createdAt: AT,
  };
  const refund: Refund = {
    id: REFUND_ID,
    orderId: ORDER_ID,
    amount: 300,
    status: "processing",
    createdAt: AT,
  };
  applyNow([
    orders.create(order),
    orders.createPayment(payment),
    orders.createRefund(refund, { recordKey: "sha256:r", fingerprint: "fp" }, 0),
  ]);
  return { order, refund };
}

it("a refund its attempt settles between the webhook's reads is a no-op for its event, not a 409", async () => {
  const orders = new InMemoryOrderRepository();
  const { order, refund } = paidOrderRefunding(orders);
  const outcome = { status: "succeeded" as const, processorRefundId: "re_1" };
  // What the refund's own attempt commits when the processor answers it.
  const attemptFinishes = async () => {
    const settled = cardRefundSettlement(order, refund, outcome, AT);
    applyNow([orders.settleRefund(refund, settled.refund), orders.save(order, settled.order)]);
  };
  const event: ProcessorEvent = {
    kind: "charge.refunded",
    id: "evt_1",
    created: 0,
    processorPaymentId: "pi_1",
    refunds: [
      {
        processorRefundId: "re_1",
        amount: 300,
        status: "succeeded",
        orderId: ORDER_ID,
        refundId: REFUND_ID,
      },
    ],
  };
  const deliver = makeIdempotent<ProcessorEvent, WebhookOutcome, InMemoryWrite>(
    (payload, handle) =>
      applyProcessorEvent(payload, handle, {
        orders: afterFirstRead(orders, ["find", "findRefund"], attemptFinishes),
        now: () => new Date(AT),
        remainingTimeMs: () => 10_000,
        correlationId: "webhook",
      }),
    {
      store: new InMemoryIdempotencyStore(),
      strategy: "commit",
      scope: "processor-webhooks",
      keyOf: (payload) => payload.id,
    },
  );

  await expect(deliver(event)).resolves.toEqual({ value: { applied: false }, replayed: false });
  expect(await orders.find(ORDER_ID)).toMatchObject({
    refundedAmount: 300,
    refundPendingAmount: 0,
    status: "partially_refunded",
  });
});
