import type { OutboxEvent } from "../shared/outbox";
import type { Order, Payment, Refund } from "./order";

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
  /** Creates the order's one payment; refused if the order already has one. */
  createPayment(payment: Payment): TWrite;
  createRefund(refund: Refund): TWrite;
  recordEvent(event: OutboxEvent): TWrite;
}
