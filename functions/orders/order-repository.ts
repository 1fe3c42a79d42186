import { refuse } from "../domain/refusals";
import type { OutboxEvent } from "../shared/outbox";
import type { Order, Payment, Refund } from "./order";

/**
 * The request that started a card payment, as the idempotency layer knows
 * it: what the reconciler needs to resume the payment as that request's
 * retry would.
 */
export interface PaymentRequestRef {
  readonly recordKey: string;
  readonly fingerprint: string;
}

/** A card payment or refund whose outcome is not settled yet, with the request to resume. */
export interface Unsettled<T> {
  readonly item: T;
  readonly request: PaymentRequestRef;
  /** When it started processing (epoch ms). */
  readonly sinceMs: number;
}

/**
 * What the order use cases need of storage. Writes are returned, not
 * performed: the use case commits them in one transaction with the
 * idempotency record. `TWrite` is the adapter's unit of write.
 */
export interface OrderRepository<TWrite> {
  find(orderId: string): Promise<Order | undefined>;
  findPayment(orderId: string): Promise<Payment | undefined>;
  findRefund(orderId: string, refundId: string): Promise<Refund | undefined>;
  create(order: Order): TWrite;
  /** Saves `updated` if the order is still at `previous.version`. */
  save(previous: Order, updated: Order): TWrite;
  /**
   * Creates the order's payment; refused while the order has one that did
   * not fail. A `processing` card payment is marked unsettled, with the
   * request that started it, until `settlePayment`.
   */
  createPayment(payment: Payment, startedBy?: PaymentRequestRef, sinceMs?: number): TWrite;
  /** Replaces a card payment that is still `processing` by its settled state. */
  settlePayment(processing: Payment, settled: Payment): TWrite;
  /**
   * Keeps a failed card payment by its id: the order's payment may be
   * replaced by the next attempt, and the request that failed still answers
   * its own decline.
   */
  archivePayment(failed: Payment): TWrite;
  /** A payment of the order by its id, once replaced (see `archivePayment`). */
  findPastPayment(orderId: string, paymentId: string): Promise<Payment | undefined>;
  /** Card payments still `processing` that started before `beforeMs`, oldest first. */
  unsettledPayments(beforeMs: number, limit: number): Promise<Unsettled<Payment>[]>;
  /** Creates a refund; a `processing` card refund is marked unsettled like a card payment. */
  createRefund(refund: Refund, startedBy?: PaymentRequestRef, sinceMs?: number): TWrite;
  /** Replaces a card refund that is still `processing` by its settled state. */
  settleRefund(processing: Refund, settled: Refund): TWrite;
  /** Card refunds still `processing` that started before `beforeMs`, oldest first. */
  unsettledRefunds(beforeMs: number, limit: number): Promise<Unsettled<Refund>[]>;
  recordEvent(event: OutboxEvent): TWrite;
}

/** The caller's own order, or `not-found`: others' orders look exactly like missing ones. */
export async function ownOrder<TWrite>(
  orders: OrderRepository<TWrite>,
  caller: string,
  orderId: string,
): Promise<Order> {
  const order = await orders.find(orderId);
  if (!order || order.ownerId !== caller) return refuse({ reason: "not-found", resource: "order" });
  return order;
}
