import * as z from "zod";
import { amountSchema, currencySchema, idSchema } from "../shared/money";
import { timestampSchema } from "../shared/timestamp";
import { versionSchema } from "../shared/version";

export const orderStatuses = [
  "pending",
  "paid",
  "partially_refunded",
  "refunded",
  "cancelled",
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** Limits of one order (the contract's). */
export const MAX_ORDER_ITEMS = 100;
export const MAX_ITEM_QUANTITY = 1000;
export const MAX_SKU_LENGTH = 64;
/** An order's total is an amount like any other: at most 10^12 minor units. */
export const MAX_ORDER_TOTAL = 1e12;

export const orderItemSchema = z
  .object({
    sku: z.string().min(1).max(MAX_SKU_LENGTH),
    quantity: z.number().int().min(1).max(MAX_ITEM_QUANTITY),
    unitPrice: amountSchema,
  })
  .meta({ id: "OrderItem" });
export type OrderItem = z.infer<typeof orderItemSchema>;

/** What a caller sees of an order, and what is stored of it. */
export const orderSchema = z
  .object({
    id: idSchema,
    ownerId: z.string().meta({ description: "The caller who created it (the token's sub)." }),
    status: z.enum(orderStatuses),
    currency: currencySchema,
    items: z.array(orderItemSchema),
    total: amountSchema,
    paidAmount: z.number().int().min(0),
    refundedAmount: z.number().int().min(0),
    version: versionSchema,
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: "Order" });
export type Order = z.infer<typeof orderSchema>;

/** The one payment of an order: it debited `accountId` by the order's total. */
export const paymentSchema = z
  .object({
    id: idSchema,
    orderId: idSchema,
    accountId: idSchema,
    amount: amountSchema,
    currency: currencySchema,
    createdAt: timestampSchema,
  })
  .meta({ id: "Payment" });
export type Payment = z.infer<typeof paymentSchema>;

/** A refund credits the paying account; an order may have several. */
export const refundSchema = z
  .object({
    id: idSchema,
    orderId: idSchema,
    amount: amountSchema,
    createdAt: timestampSchema,
  })
  .meta({ id: "Refund" });
export type Refund = z.infer<typeof refundSchema>;

/**
 * Σ quantity × unitPrice. Each product is at most 10^15, an exact integer;
 * a sum beyond 2^53 is no longer exact but stays above MAX_ORDER_TOTAL, so
 * the limit check is still right.
 */
export function orderTotal(items: readonly OrderItem[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}

export function isWithinTotalLimit(items: readonly OrderItem[]): boolean {
  return orderTotal(items) <= MAX_ORDER_TOTAL;
}

/**
 * The state machine. A refund may leave an order partially refunded again
 * (a second partial refund) or refund it in full at once; `refunded` and
 * `cancelled` are final.
 */
const transitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ["paid", "cancelled"],
  paid: ["partially_refunded", "refunded"],
  partially_refunded: ["partially_refunded", "refunded"],
  refunded: [],
  cancelled: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return transitions[from].includes(to);
}

export type OrderChangeFailure =
  | "invalid-state-transition"
  | "order-already-paid"
  | "refund-exceeds-payment";

export type OrderChange =
  | { readonly ok: true; readonly order: Order }
  | { readonly ok: false; readonly reason: OrderChangeFailure };

const rejected = (reason: OrderChangeFailure): OrderChange => ({ ok: false, reason });

/** Every change moves the version by one and stamps `updatedAt`. */
const changed = (order: Order, change: Partial<Order>, at: string): OrderChange => ({
  ok: true,
  order: { ...order, ...change, version: order.version + 1, updatedAt: at },
});

export function newOrder(input: {
  id: string;
  ownerId: string;
  currency: string;
  items: readonly OrderItem[];
  at: string;
}): Order {
  return {
    id: input.id,
    ownerId: input.ownerId,
    status: "pending",
    currency: input.currency,
    items: [...input.items],
    total: orderTotal(input.items),
    paidAmount: 0,
    refundedAmount: 0,
    version: 1,
    createdAt: input.at,
    updatedAt: input.at,
  };
}

/** New items, and their total; only while the order is pending. */
export function reviseItems(order: Order, items: readonly OrderItem[], at: string): OrderChange {
  if (order.status !== "pending") return rejected("invalid-state-transition");
  return changed(order, { items: [...items], total: orderTotal(items) }, at);
}

export function cancelOrder(order: Order, at: string): OrderChange {
  if (!canTransition(order.status, "cancelled")) return rejected("invalid-state-transition");
  return changed(order, { status: "cancelled" }, at);
}

/** Paid in full, once: an order that was ever paid says so rather than "invalid transition". */
export function payOrder(order: Order, at: string): OrderChange {
  if (isPaidStatus(order.status)) return rejected("order-already-paid");
  if (!canTransition(order.status, "paid")) return rejected("invalid-state-transition");
  return changed(order, { status: "paid", paidAmount: order.total }, at);
}

/** What may still be refunded of the payment. */
export const refundableAmount = (order: Order): number => order.paidAmount - order.refundedAmount;

/**
 * `amount` is a positive integer (validated at the edge); the target status
 * follows from it. On an order that was paid, too large a refund is always
 * `refund-exceeds-payment`, a fully refunded order included (nothing is left
 * to refund), so the answer does not depend on which refund came first.
 */
export function refundOrder(order: Order, amount: number, at: string): OrderChange {
  if (isPaidStatus(order.status) && amount > refundableAmount(order)) {
    return rejected("refund-exceeds-payment");
  }
  const refundedAmount = order.refundedAmount + amount;
  const status: OrderStatus =
    refundedAmount === order.paidAmount ? "refunded" : "partially_refunded";
  if (!canTransition(order.status, status)) return rejected("invalid-state-transition");
  return changed(order, { status, refundedAmount }, at);
}

function isPaidStatus(status: OrderStatus): boolean {
  return status === "paid" || status === "partially_refunded" || status === "refunded";
}
