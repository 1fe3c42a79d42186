import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { DataTable } from "../shared/dynamodb/data-table";
import { type OutboxEvent, writeOutboxEvent } from "../shared/outbox";
import {
  type Order,
  orderSchema,
  type Payment,
  paymentSchema,
  type Refund,
  refundSchema,
} from "./order";
import type { OrderRepository } from "./order-repository";

/**
 * Keys: an order, its payment and its refunds share a partition. The payment
 * has a fixed sort key, so "one payment per order" is the key's uniqueness
 * (a create conditioned on attribute_not_exists), not a read-then-write check.
 */
const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: "ORDER" });
const paymentKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: "PAYMENT" });
const refundKey = (orderId: string, refundId: string) => ({
  pk: `ORDER#${orderId}`,
  sk: `REFUND#${refundId}`,
});

export class DynamoDbOrderRepository implements OrderRepository<TransactWriteItem> {
  constructor(private readonly table: DataTable) {}

  find(orderId: string): Promise<Order | undefined> {
    return this.table.get(orderKey(orderId), orderSchema);
  }

  findPayment(orderId: string): Promise<Payment | undefined> {
    return this.table.get(paymentKey(orderId), paymentSchema);
  }

  findRefund(orderId: string, refundId: string): Promise<Refund | undefined> {
    return this.table.get(refundKey(orderId, refundId), refundSchema);
  }

  create(order: Order): TransactWriteItem {
    return this.table.create({ ...orderKey(order.id), kind: "order", ...order });
  }

  save(previous: Order, updated: Order): TransactWriteItem {
    return this.table.replace(
      { ...orderKey(updated.id), kind: "order", ...updated },
      { expression: "version = :version", values: { ":version": previous.version } },
    );
  }

  createPayment(payment: Payment): TransactWriteItem {
    return this.table.create({ ...paymentKey(payment.orderId), kind: "payment", ...payment });
  }

  createRefund(refund: Refund): TransactWriteItem {
    return this.table.create({
      ...refundKey(refund.orderId, refund.id),
      kind: "refund",
      ...refund,
    });
  }

  recordEvent(event: OutboxEvent): TransactWriteItem {
    return writeOutboxEvent(this.table, event);
  }
}
