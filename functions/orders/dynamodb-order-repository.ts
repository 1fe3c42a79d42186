import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { unsettledIndex } from "../../lib/tables/table-definitions";
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
import type { OrderRepository, PaymentRequestRef, Unsettled } from "./order-repository";

/**
 * Keys: an order, its payment and its refunds share a partition. The payment
 * has a fixed sort key, so "one payment per order" is the key's uniqueness
 * (a create conditioned on attribute_not_exists), not a read-then-write check.
 */
const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: "ORDER" });
const paymentKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: "PAYMENT" });
const pastPaymentKey = (orderId: string, paymentId: string) => ({
  pk: `ORDER#${orderId}`,
  sk: `PAYMENT#${paymentId}`,
});
const refundKey = (orderId: string, refundId: string) => ({
  pk: `ORDER#${orderId}`,
  sk: `REFUND#${refundId}`,
});

/** The unsettled index's partitions (low volume: only what awaits the processor). */
const UNSETTLED = { payment: "PAYMENT", refund: "REFUND" } as const;

/** What the index adds to an item; the item itself is parsed by its own schema. */
const unsettledMarks = z.looseObject({
  unsettledSinceMs: z.number().int(),
  startedBy: z.object({ recordKey: z.string().min(1), fingerprint: z.string().min(1) }),
});

/** The keys that put a `processing` item in the unsettled index; settling replaces the item without them. */
function unsettledMark(
  partition: string,
  status: string,
  startedBy: PaymentRequestRef | undefined,
  sinceMs: number | undefined,
) {
  return status === "processing" && startedBy && sinceMs !== undefined
    ? { unsettledPk: partition, unsettledSinceMs: sinceMs, startedBy }
    : {};
}

/** Replaces a `processing` item of this id only: a settled one is final. */
const stillProcessing = (id: string) => ({
  expression: "id = :id AND #status = :processing",
  names: { "#status": "status" },
  values: { ":id": id, ":processing": "processing" },
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

  createPayment(
    payment: Payment,
    startedBy?: PaymentRequestRef,
    sinceMs?: number,
  ): TransactWriteItem {
    const mark = unsettledMark(UNSETTLED.payment, payment.status, startedBy, sinceMs);
    return this.table.replace(
      { ...paymentKey(payment.orderId), kind: "payment", ...payment, ...mark },
      {
        expression: "attribute_not_exists(pk) OR #status = :failed",
        names: { "#status": "status" },
        values: { ":failed": "failed" },
      },
    );
  }

  settlePayment(processing: Payment, settled: Payment): TransactWriteItem {
    return this.table.replace(
      { ...paymentKey(settled.orderId), kind: "payment", ...settled },
      stillProcessing(processing.id),
    );
  }

  archivePayment(failed: Payment): TransactWriteItem {
    return this.table.create({
      ...pastPaymentKey(failed.orderId, failed.id),
      kind: "past-payment",
      ...failed,
    });
  }

  findPastPayment(orderId: string, paymentId: string): Promise<Payment | undefined> {
    return this.table.get(pastPaymentKey(orderId, paymentId), paymentSchema);
  }

  unsettledPayments(beforeMs: number, limit: number): Promise<Unsettled<Payment>[]> {
    return this.unsettled(UNSETTLED.payment, paymentSchema, beforeMs, limit);
  }

  createRefund(refund: Refund, startedBy?: PaymentRequestRef, sinceMs?: number): TransactWriteItem {
    const mark = unsettledMark(UNSETTLED.refund, refund.status, startedBy, sinceMs);
    return this.table.create({
      ...refundKey(refund.orderId, refund.id),
      kind: "refund",
      ...refund,
      ...mark,
    });
  }

  settleRefund(processing: Refund, settled: Refund): TransactWriteItem {
    return this.table.replace(
      { ...refundKey(settled.orderId, settled.id), kind: "refund", ...settled },
      stillProcessing(processing.id),
    );
  }

  unsettledRefunds(beforeMs: number, limit: number): Promise<Unsettled<Refund>[]> {
    return this.unsettled(UNSETTLED.refund, refundSchema, beforeMs, limit);
  }

  private async unsettled<T>(
    partition: string,
    schema: z.ZodType<T>,
    beforeMs: number,
    limit: number,
  ): Promise<Unsettled<T>[]> {
    const items = await this.table.queryIndexBelow(
      {
        name: unsettledIndex.name,
        partitionKey: unsettledIndex.partitionKey.name,
        sortKey: unsettledIndex.sortKey.name,
      },
      partition,
      beforeMs,
      unsettledMarks,
      limit,
    );
    return items.map((item) => ({
      item: schema.parse(item),
      request: item.startedBy,
      sinceMs: item.unsettledSinceMs,
    }));
  }

  recordEvent(event: OutboxEvent): TransactWriteItem {
    return writeOutboxEvent(this.table, event);
  }
}
