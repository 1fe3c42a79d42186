import type { InMemoryWrite } from "../../functions/idempotency";
import type { Order, Payment, Refund } from "../../functions/orders/order";
import type {
  OrderRepository,
  PaymentRequestRef,
  Unsettled,
} from "../../functions/orders/order-repository";
import type { OutboxEvent } from "../../functions/shared/outbox";

/** A stored payment or refund, with the unsettled index's marks while it is `processing`. */
interface Stored<T> {
  readonly item: T;
  readonly startedBy?: PaymentRequestRef;
  readonly sinceMs?: number;
}

/** The marks DynamoDB's repository adds: only a `processing` item with its request is indexed. */
function marked<T extends { status: string }>(
  item: T,
  startedBy: PaymentRequestRef | undefined,
  sinceMs: number | undefined,
): Stored<T> {
  const copy = structuredClone(item);
  return item.status === "processing" && startedBy && sinceMs !== undefined
    ? { item: copy, startedBy: structuredClone(startedBy), sinceMs }
    : { item: copy };
}

/** Only a `processing` item of this id may be replaced by its settled state. */
const stillProcessing = <T extends { id: string; status: string }>(
  stored: Stored<T> | undefined,
  id: string,
): boolean => stored?.item.id === id && stored.item.status === "processing";

/**
 * The order repository in memory, for model-based tests: the same writes,
 * refused under the same conditions as `DynamoDbOrderRepository`'s
 * (a save only at the version read, one payment per order unless it failed,
 * a settlement only of the `processing` item of that id, creates only of new
 * keys). Writes are `InMemoryWrite`s, committed by `InMemoryIdempotencyStore`
 * all or nothing with the idempotency record. Reads return copies, as a
 * DynamoDB read would.
 */
export class InMemoryOrderRepository implements OrderRepository<InMemoryWrite> {
  private readonly orders = new Map<string, Order>();
  private readonly payments = new Map<string, Stored<Payment>>();
  private readonly pastPayments = new Map<string, Payment>();
  private readonly refunds = new Map<string, Stored<Refund>>();
  private readonly events: OutboxEvent[] = [];

  async find(orderId: string): Promise<Order | undefined> {
    return this.copyOf(this.orders.get(orderId));
  }

  async findPayment(orderId: string): Promise<Payment | undefined> {
    return this.copyOf(this.payments.get(orderId)?.item);
  }

  async findRefund(orderId: string, refundId: string): Promise<Refund | undefined> {
    return this.copyOf(this.refunds.get(refundKey(orderId, refundId))?.item);
  }

  create(order: Order): InMemoryWrite {
    return {
      condition: () => !this.orders.has(order.id),
      apply: () => this.orders.set(order.id, structuredClone(order)),
    };
  }

  save(previous: Order, updated: Order): InMemoryWrite {
    return {
      condition: () => this.orders.get(updated.id)?.version === previous.version,
      apply: () => this.orders.set(updated.id, structuredClone(updated)),
    };
  }

  createPayment(payment: Payment, startedBy?: PaymentRequestRef, sinceMs?: number): InMemoryWrite {
    return {
      condition: () => {
        const existing = this.payments.get(payment.orderId);
        return existing === undefined || existing.item.status === "failed";
      },
      apply: () => this.payments.set(payment.orderId, marked(payment, startedBy, sinceMs)),
    };
  }

  settlePayment(processing: Payment, settled: Payment): InMemoryWrite {
    return {
      condition: () => stillProcessing(this.payments.get(settled.orderId), processing.id),
      apply: () => this.payments.set(settled.orderId, marked(settled, undefined, undefined)),
    };
  }

  archivePayment(failed: Payment): InMemoryWrite {
    return {
      condition: () => !this.pastPayments.has(failed.id),
      apply: () => this.pastPayments.set(failed.id, structuredClone(failed)),
    };
  }

  async findPastPayment(orderId: string, paymentId: string): Promise<Payment | undefined> {
    const past = this.pastPayments.get(paymentId);
    return past?.orderId === orderId ? structuredClone(past) : undefined;
  }

  async unsettledPayments(beforeMs: number, limit: number): Promise<Unsettled<Payment>[]> {
    return unsettledOf(this.payments.values(), beforeMs, limit);
  }

  createRefund(refund: Refund, startedBy?: PaymentRequestRef, sinceMs?: number): InMemoryWrite {
    const key = refundKey(refund.orderId, refund.id);
    return {
      condition: () => !this.refunds.has(key),
      apply: () => this.refunds.set(key, marked(refund, startedBy, sinceMs)),
    };
  }

  settleRefund(processing: Refund, settled: Refund): InMemoryWrite {
    const key = refundKey(settled.orderId, settled.id);
    return {
      condition: () => stillProcessing(this.refunds.get(key), processing.id),
      apply: () => this.refunds.set(key, marked(settled, undefined, undefined)),
    };
  }

  async unsettledRefunds(beforeMs: number, limit: number): Promise<Unsettled<Refund>[]> {
    return unsettledOf(this.refunds.values(), beforeMs, limit);
  }

  recordEvent(event: OutboxEvent): InMemoryWrite {
    return {
      condition: () => !this.events.some((recorded) => recorded.id === event.id),
      apply: () => this.events.push(structuredClone(event)),
    };
  }

  /** Every outbox event written, in commit order (copies, for assertions). */
  outbox(): OutboxEvent[] {
    return structuredClone(this.events);
  }

  /** Every order (copies, for assertions). */
  allOrders(): Order[] {
    return structuredClone([...this.orders.values()]);
  }

  /** Every order's current payment (copies, for assertions). */
  allPayments(): Payment[] {
    return [...this.payments.values()].map(({ item }) => structuredClone(item));
  }

  private copyOf<T>(value: T | undefined): T | undefined {
    return value === undefined ? undefined : structuredClone(value);
  }
}

function refundKey(orderId: string, refundId: string): string {
  return `${orderId}/${refundId}`;
}

/** The unsettled index: marked items strictly below `beforeMs`, oldest first. */
function unsettledOf<T>(
  stored: Iterable<Stored<T>>,
  beforeMs: number,
  limit: number,
): Unsettled<T>[] {
  const found: Unsettled<T>[] = [];
  for (const { item, startedBy, sinceMs } of stored) {
    if (startedBy === undefined || sinceMs === undefined || sinceMs >= beforeMs) continue;
    found.push({ item: structuredClone(item), request: structuredClone(startedBy), sinceMs });
  }
  return found.sort((a, b) => a.sinceMs - b.sinceMs).slice(0, limit);
}
