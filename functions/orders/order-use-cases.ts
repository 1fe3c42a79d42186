import type { AccountRepository } from "../accounts/account-repository";
import { ownAccount, postOrRefuse } from "../accounts/account-use-cases";
import { BusinessWriteRejectedError, type HttpResult } from "../idempotency";
import { problems } from "../shared/http/http-problems";
import { type IfMatch, matchesEtag } from "../shared/http/parse-request";
import { created, etagOf, ok } from "../shared/http/responses";
import { newId } from "../shared/ids";
import { retryOnConflict } from "../shared/optimistic-retry";
import { outboxEvent } from "../shared/outbox";
import type { WritePorts } from "../shared/write-ports";
import {
  cancelOrder as cancel,
  newOrder,
  type Order,
  type OrderChange,
  type OrderChangeFailure,
  type OrderItem,
  type Payment,
  payOrder as pay,
  type Refund,
  refundOrder as refund,
  reviseItems,
} from "./order";
import type { OrderRepository } from "./order-repository";

/** Ports of the order use cases: storage, the exactly-once commit, a clock. */
export interface OrderPorts<TWrite> extends WritePorts<TWrite> {
  readonly orders: OrderRepository<TWrite>;
  readonly accounts: AccountRepository<TWrite>;
}

/** Changes of the order alone: no account is touched. */
export type OrderWritePorts<TWrite> = Omit<OrderPorts<TWrite>, "accounts">;
export type OrderReadPorts<TWrite> = Pick<OrderPorts<TWrite>, "orders">;

/** The caller's own order, or 404: others' orders look exactly like missing ones. */
export async function ownOrder<TWrite>(
  orders: OrderRepository<TWrite>,
  caller: string,
  orderId: string,
): Promise<Order> {
  const order = await orders.find(orderId);
  if (!order || order.ownerId !== caller) throw problems.notFound("The order");
  return order;
}

const failures: Readonly<Record<OrderChangeFailure, (order: Order) => Error>> = {
  "invalid-state-transition": (order) => problems.invalidStateTransition(order.status),
  "order-already-paid": () => problems.orderAlreadyPaid(),
  "payment-in-progress": () => problems.paymentInProgress(),
  "refund-exceeds-payment": (order) =>
    problems.refundExceedsPayment(order.paidAmount - order.refundedAmount),
};

/** The changed order, or the 409 that says why the change is refused. */
export function changedOrder(order: Order, change: OrderChange): Order {
  if (!change.ok) throw failures[change.reason](order);
  return change.order;
}

export async function createOrder<TWrite>(
  input: { caller: string; currency: string; items: readonly OrderItem[] },
  ports: OrderWritePorts<TWrite>,
): Promise<HttpResult> {
  const order = newOrder({
    id: newId(),
    ownerId: input.caller,
    currency: input.currency,
    items: input.items,
    at: ports.now().toISOString(),
  });
  const event = outboxEvent(
    "order.created",
    order.id,
    { order },
    order.createdAt,
    ports.correlationId,
  );
  return ports.commit(
    [ports.orders.create(order), ports.orders.recordEvent(event)],
    created(`/orders/${order.id}`, order, order.version),
  );
}

export async function getOrder<TWrite>(
  input: { caller: string; orderId: string },
  ports: OrderReadPorts<TWrite>,
): Promise<HttpResult> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  return ok(order, order.version);
}

/**
 * Replaces the items of a pending order the caller read at `If-Match`. With
 * an explicit version a lost race is the caller's stale read: 412, never a
 * silent retry over someone else's change. Only `If-Match: *` retries.
 */
export async function updateOrder<TWrite>(
  input: { caller: string; orderId: string; items: readonly OrderItem[]; ifMatch: IfMatch },
  ports: OrderWritePorts<TWrite>,
): Promise<HttpResult> {
  const { ifMatch } = input;
  const attempt = async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    // The state is checked first: a paid order cannot be edited at any version.
    if (order.status !== "pending") throw failures["invalid-state-transition"](order);
    if (!matchesEtag(ifMatch, etagOf(order.version))) {
      throw problems.preconditionFailed();
    }
    const updated = changedOrder(order, reviseItems(order, input.items, ports.now().toISOString()));
    const event = outboxEvent(
      "order.updated",
      order.id,
      { order: updated },
      updated.updatedAt,
      ports.correlationId,
    );
    return ports.commit(
      [ports.orders.save(order, updated), ports.orders.recordEvent(event)],
      ok(updated, updated.version),
    );
  };
  if ("any" in ifMatch) return retryOnConflict(attempt, ports.remainingTimeMs);
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof BusinessWriteRejectedError)) throw error;
    // The order changed between read and write: say how, once, from a fresh read.
    const current = await ownOrder(ports.orders, input.caller, input.orderId);
    if (current.status !== "pending") throw failures["invalid-state-transition"](current);
    throw problems.preconditionFailed();
  }
}

export async function cancelOrder<TWrite>(
  input: { caller: string; orderId: string },
  ports: OrderWritePorts<TWrite>,
): Promise<HttpResult> {
  return retryOnConflict(async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    const cancelled = changedOrder(order, cancel(order, ports.now().toISOString()));
    const event = outboxEvent(
      "order.cancelled",
      order.id,
      { order: cancelled },
      cancelled.updatedAt,
      ports.correlationId,
    );
    return ports.commit(
      [ports.orders.save(order, cancelled), ports.orders.recordEvent(event)],
      ok(cancelled, cancelled.version),
    );
  }, ports.remainingTimeMs);
}

/**
 * Debits the caller's account by the order total and marks the order paid,
 * in one transaction. The payment item has one key per order and every
 * write is conditioned on what was read, so of concurrent payments exactly
 * one commits; the others are read again and answered `order-already-paid`.
 */
export async function payOrder<TWrite>(
  input: { caller: string; orderId: string; accountId: string },
  ports: OrderPorts<TWrite>,
): Promise<HttpResult> {
  const paymentId = newId();
  return retryOnConflict(async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    const account = await ownAccount(ports.accounts, input.caller, input.accountId);
    const at = ports.now().toISOString();
    const paid = changedOrder(order, pay(order, at));
    if (account.currency !== order.currency) {
      throw problems.currencyMismatch(
        `The order is in ${order.currency} and the account holds ${account.currency}.`,
      );
    }
    const debit = postOrRefuse(account, "the account", {
      entryId: newId(),
      type: "payment",
      delta: -order.total,
      referenceId: paymentId,
      at,
    });
    const payment: Payment = {
      id: paymentId,
      orderId: order.id,
      method: "account",
      accountId: account.id,
      amount: order.total,
      currency: order.currency,
      status: "succeeded",
      createdAt: at,
    };
    const event = outboxEvent(
      "order.paid",
      order.id,
      { order: paid, payment },
      at,
      ports.correlationId,
    );
    return ports.commit(
      [
        ports.orders.createPayment(payment),
        ports.orders.save(order, paid),
        ...ports.accounts.saveBalance(account, debit.account, debit.entry),
        ports.orders.recordEvent(event),
      ],
      created(`/orders/${order.id}/payment`, payment),
    );
  }, ports.remainingTimeMs);
}

export async function getPayment<TWrite>(
  input: { caller: string; orderId: string },
  ports: OrderReadPorts<TWrite>,
): Promise<HttpResult> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  const payment = await ports.orders.findPayment(order.id);
  if (!payment) throw problems.notFound("The payment");
  return ok(payment);
}

/**
 * Credits the paying account and records the refund, in one transaction
 * conditioned on the order's version: concurrent refunds are decided one
 * after the other on fresh reads, so together they never exceed the payment.
 */
export async function refundOrder<TWrite>(
  input: { caller: string; orderId: string; amount: number },
  ports: OrderPorts<TWrite>,
): Promise<HttpResult> {
  const refundId = newId();
  return retryOnConflict(async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    const at = ports.now().toISOString();
    const refunded = changedOrder(order, refund(order, input.amount, at));
    // A paid order always has its payment and account: their absence is a bug (500).
    const payment = await ports.orders.findPayment(order.id);
    if (!payment) throw new Error(`Order ${order.id} is ${order.status} but has no payment`);
    if (payment.method !== "account" || !payment.accountId) {
      throw new Error(`Order ${order.id} was paid by card: its refunds go through the processor`);
    }
    const account = await ports.accounts.find(payment.accountId);
    if (!account) throw new Error(`The paying account of order ${order.id} does not exist`);
    const credit = postOrRefuse(account, "the paying account", {
      entryId: newId(),
      type: "refund",
      delta: input.amount,
      referenceId: refundId,
      at,
    });
    const record: Refund = {
      id: refundId,
      orderId: order.id,
      amount: input.amount,
      status: "succeeded",
      createdAt: at,
    };
    const event = outboxEvent(
      "order.refunded",
      order.id,
      { order: refunded, refund: record },
      at,
      ports.correlationId,
    );
    return ports.commit(
      [
        ports.orders.createRefund(record),
        ports.orders.save(order, refunded),
        ...ports.accounts.saveBalance(account, credit.account, credit.entry),
        ports.orders.recordEvent(event),
      ],
      created(`/orders/${order.id}/refunds/${record.id}`, record),
    );
  }, ports.remainingTimeMs);
}

export async function getRefund<TWrite>(
  input: { caller: string; orderId: string; refundId: string },
  ports: OrderReadPorts<TWrite>,
): Promise<HttpResult> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  const found = await ports.orders.findRefund(order.id, input.refundId);
  if (!found) throw problems.notFound("The refund");
  return ok(found);
}
