import type { IdempotencyStore } from "../../functions/idempotency";
import type { OrderRepository } from "../../functions/orders/order-repository";
import type { PaymentProcessor } from "../../functions/processor/payment-processor";

/**
 * The ports of the card-payment world with a pause before every round trip
 * (a read, a conditional write, a processor call and its answer), so a
 * scheduler (`fc.scheduler`) decides how concurrent operations interleave.
 * Each store or repository call still checks and writes in one turn after
 * its pause, as one DynamoDB request does; building a write (a repository's
 * `save`, `createPayment`…) is no round trip and does not pause.
 */

/** Waits for the scheduler's go, or not at all when nothing is racing. */
export type Pause = () => Promise<void>;

export function pausingOrderRepository<TWrite>(
  orders: OrderRepository<TWrite>,
  pause: Pause,
): OrderRepository<TWrite> {
  const after =
    <TArgs extends unknown[], T>(read: (...args: TArgs) => Promise<T>) =>
    async (...args: TArgs): Promise<T> => {
      await pause();
      return read(...args);
    };
  return {
    find: after((orderId) => orders.find(orderId)),
    findPayment: after((orderId) => orders.findPayment(orderId)),
    findRefund: after((orderId, refundId) => orders.findRefund(orderId, refundId)),
    findPastPayment: after((orderId, paymentId) => orders.findPastPayment(orderId, paymentId)),
    unsettledPayments: after((beforeMs, limit) => orders.unsettledPayments(beforeMs, limit)),
    unsettledRefunds: after((beforeMs, limit) => orders.unsettledRefunds(beforeMs, limit)),
    create: (order) => orders.create(order),
    save: (previous, updated) => orders.save(previous, updated),
    createPayment: (payment, startedBy, sinceMs) =>
      orders.createPayment(payment, startedBy, sinceMs),
    settlePayment: (processing, settled) => orders.settlePayment(processing, settled),
    archivePayment: (failed) => orders.archivePayment(failed),
    createRefund: (refund, startedBy, sinceMs) => orders.createRefund(refund, startedBy, sinceMs),
    settleRefund: (processing, settled) => orders.settleRefund(processing, settled),
    recordEvent: (event) => orders.recordEvent(event),
  };
}

export function pausingStore<TWrite>(
  store: IdempotencyStore<TWrite>,
  pause: Pause,
): IdempotencyStore<TWrite> {
  return {
    peek: async (pk, nowMs) => {
      await pause();
      return store.peek?.(pk, nowMs);
    },
    commit: async (record, nowMs, writes) => {
      await pause();
      return store.commit(record, nowMs, writes);
    },
    claim: async (record, nowMs) => {
      await pause();
      return store.claim(record, nowMs);
    },
    advance: async (lease, point, writes) => {
      await pause();
      return store.advance(lease, point, writes);
    },
    complete: async (lease, answer, completedAtMs, writes) => {
      await pause();
      return store.complete(lease, answer, completedAtMs, writes);
    },
    release: async (lease, options) => {
      await pause();
      return store.release(lease, options);
    },
  };
}

/** The request travels, the processor acts, the answer travels back: a pause on each way. */
export function pausingProcessor(processor: PaymentProcessor, pause: Pause): PaymentProcessor {
  return {
    charge: async (request) => {
      await pause();
      const outcome = await processor.charge(request);
      await pause();
      return outcome;
    },
    refund: async (request) => {
      await pause();
      const outcome = await processor.refund(request);
      await pause();
      return outcome;
    },
  };
}
