import { postOrRefuse } from "../accounts/account";
import { type AccountRepository, ownAccount } from "../accounts/account-repository";
import { type ExpectedVersion, newId } from "../domain/primitives";
import { refuse } from "../domain/refusals";
import { BusinessWriteRejectedError } from "../idempotency";
import { retryOnConflict } from "../shared/optimistic-retry";
import { outboxEvent } from "../shared/outbox";
import type { WritePorts } from "../shared/write-ports";
import {
  cancelOrder as cancel,
  changedOrder,
  newOrder,
  type Order,
  type OrderItem,
  type Payment,
  payOrder as pay,
  type Refund,
  refundOrder as refund,
  reviseItems,
} from "./order";
import { type OrderRepository, ownOrder } from "./order-repository";

/** Ports of an order use case: storage, the exactly-once commit of its result, a clock. */
export interface OrderPorts<TWrite, TResult> extends WritePorts<TWrite, TResult> {
  readonly orders: OrderRepository<TWrite>;
  readonly accounts: AccountRepository<TWrite>;
}

/** Changes of the order alone: no account is touched. */
export type OrderWritePorts<TWrite, TResult> = Omit<OrderPorts<TWrite, TResult>, "accounts">;
export interface OrderReadPorts<TWrite> {
  readonly orders: OrderRepository<TWrite>;
}

export async function createOrder<TWrite>(
  input: { caller: string; currency: string; items: readonly OrderItem[] },
  ports: OrderWritePorts<TWrite, Order>,
): Promise<Order> {
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
  return ports.commit([ports.orders.create(order), ports.orders.recordEvent(event)], order);
}

export async function getOrder<TWrite>(
  input: { caller: string; orderId: string },
  ports: OrderReadPorts<TWrite>,
): Promise<Order> {
  return ownOrder(ports.orders, input.caller, input.orderId);
}

/**
 * Replaces the items of a pending order the caller read at the expected
 * version. With an explicit version a lost race is the caller's stale read:
 * `version-mismatch`, never a silent retry over someone else's change. Only
 * "any version" retries.
 */
export async function updateOrder<TWrite>(
  input: {
    caller: string;
    orderId: string;
    items: readonly OrderItem[];
    expected: ExpectedVersion;
  },
  ports: OrderWritePorts<TWrite, Order>,
): Promise<Order> {
  const { expected } = input;
  const attempt = async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    // The state is checked first: a paid order cannot be edited at any version.
    if (order.status !== "pending") return refusedTransition(order);
    if (!("any" in expected) && expected.version !== order.version) {
      return refuse({ reason: "version-mismatch" });
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
      updated,
    );
  };
  if ("any" in expected) return retryOnConflict(attempt, ports.remainingTimeMs);
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof BusinessWriteRejectedError)) throw error;
    // The order changed between read and write: say how, once, from a fresh read.
    const current = await ownOrder(ports.orders, input.caller, input.orderId);
    if (current.status !== "pending") return refusedTransition(current);
    return refuse({ reason: "version-mismatch" });
  }
}

const refusedTransition = (order: Order): never =>
  refuse({ reason: "invalid-state-transition", status: order.status });

export async function cancelOrder<TWrite>(
  input: { caller: string; orderId: string },
  ports: OrderWritePorts<TWrite, Order>,
): Promise<Order> {
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
      cancelled,
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
  ports: OrderPorts<TWrite, Payment>,
): Promise<Payment> {
  const paymentId = newId();
  return retryOnConflict(async () => {
    const order = await ownOrder(ports.orders, input.caller, input.orderId);
    const account = await ownAccount(ports.accounts, input.caller, input.accountId);
    const at = ports.now().toISOString();
    const paid = changedOrder(order, pay(order, at));
    if (account.currency !== order.currency) {
      return refuse({
        reason: "currency-mismatch",
        between: "order and account",
        currencies: [order.currency, account.currency],
      });
    }
    const debit = postOrRefuse(account, "account", {
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
      payment,
    );
  }, ports.remainingTimeMs);
}

export async function getPayment<TWrite>(
  input: { caller: string; orderId: string },
  ports: OrderReadPorts<TWrite>,
): Promise<Payment> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  const payment = await ports.orders.findPayment(order.id);
  return payment ?? refuse({ reason: "not-found", resource: "payment" });
}

/**
 * Credits the paying account and records the refund, in one transaction
 * conditioned on the order's version: concurrent refunds are decided one
 * after the other on fresh reads, so together they never exceed the payment.
 */
export async function refundOrder<TWrite>(
  input: { caller: string; orderId: string; amount: number },
  ports: OrderPorts<TWrite, Refund>,
): Promise<Refund> {
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
    const credit = postOrRefuse(account, "paying account", {
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
      record,
    );
  }, ports.remainingTimeMs);
}

export async function getRefund<TWrite>(
  input: { caller: string; orderId: string; refundId: string },
  ports: OrderReadPorts<TWrite>,
): Promise<Refund> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  const found = await ports.orders.findRefund(order.id, input.refundId);
  return found ?? refuse({ reason: "not-found", resource: "refund" });
}
