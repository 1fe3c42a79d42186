import * as z from "zod";
import {
  amountSchema,
  currencySchema,
  idSchema,
  timestampSchema,
  versionSchema,
} from "../domain/primitives";
import { type Refusal, refuse } from "../domain/refusals";

export const orderStatuses = [
  "pending",
  "payment_pending",
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
    refundPendingAmount: z
      .number()
      .int()
      .min(0)
      .default(0)
      .meta({ description: "Card refunds at the processor whose outcome is not known yet." }),
    version: versionSchema,
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: "Order" });
export type Order = z.infer<typeof orderSchema>;

export const paymentStatuses = ["processing", "succeeded", "failed"] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/**
 * The payment of an order: from a wallet (`method: "account"`, debited in
 * the same transaction, always `succeeded`) or by card through the payment
 * processor (`method: "card"`: `processing` until the processor's outcome is
 * known, then `succeeded` or `failed`). A failed card payment may be followed
 * by another; an order has one payment at a time.
 */
export const paymentSchema = z
  .object({
    id: idSchema,
    orderId: idSchema,
    method: z.enum(["account", "card"]),
    accountId: idSchema.optional().meta({ description: "The debited account (wallet payments)." }),
    paymentMethod: z.string().optional().meta({
      description: "The processor's payment method, such as pm_card_visa (card payments).",
    }),
    amount: amountSchema,
    currency: currencySchema,
    status: z.enum(paymentStatuses),
    processorPaymentId: z
      .string()
      .optional()
      .meta({ description: "The processor's PaymentIntent id (pi_…), once known." }),
    declineCode: z.string().optional().meta({ description: "Why the card was declined." }),
    createdAt: timestampSchema,
  })
  .meta({ id: "Payment" });
export type Payment = z.infer<typeof paymentSchema>;

/**
 * A refund: credited to the paying account at once (wallet payments), or
 * through the processor (card payments: `processing` until its outcome is
 * known). An order may have several.
 */
export const refundSchema = z
  .object({
    id: idSchema,
    orderId: idSchema,
    amount: amountSchema,
    status: z.enum(paymentStatuses),
    processorRefundId: z
      .string()
      .optional()
      .meta({ description: "The processor's refund id (re_…), card payments." }),
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
  pending: ["paid", "payment_pending", "cancelled"],
  // A card payment at the processor: paid, or back to pending when declined.
  payment_pending: ["paid", "pending"],
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
  | "payment-in-progress"
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
    refundPendingAmount: 0,
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

/**
 * Paid in full, once: an order that was ever paid says so rather than
 * "invalid transition"; one whose card payment is at the processor says that.
 */
export function payOrder(order: Order, at: string): OrderChange {
  const refusal = paymentRefusal(order);
  if (refusal) return rejected(refusal);
  return changed(order, { status: "paid", paidAmount: order.total }, at);
}

/** A card payment starts: the order waits for the processor's outcome. */
export function startCardPayment(order: Order, at: string): OrderChange {
  const refusal = paymentRefusal(order);
  if (refusal) return rejected(refusal);
  return changed(order, { status: "payment_pending" }, at);
}

/** The processor's outcome of the card payment the order waits for: paid, or pending again. */
export function settleCardPayment(order: Order, succeeded: boolean, at: string): OrderChange {
  if (order.status !== "payment_pending") return rejected("invalid-state-transition");
  return succeeded
    ? changed(order, { status: "paid", paidAmount: order.total }, at)
    : changed(order, { status: "pending" }, at);
}

function paymentRefusal(order: Order): OrderChangeFailure | undefined {
  if (isPaidStatus(order.status)) return "order-already-paid";
  if (order.status === "payment_pending") return "payment-in-progress";
  if (order.status !== "pending") return "invalid-state-transition";
  return undefined;
}

/** What may still be refunded of the payment: card refunds at the processor are counted in. */
export const refundableAmount = (order: Order): number =>
  order.paidAmount - order.refundedAmount - order.refundPendingAmount;

/**
 * `amount` is a positive integer (validated at the edge); the target status
 * follows from it. On an order that was paid, too large a refund is always
 * `refund-exceeds-payment`, a fully refunded order included (nothing is left
 * to refund), so the answer does not depend on which refund came first.
 */
export function refundOrder(order: Order, amount: number, at: string): OrderChange {
  const refusal = refundRefusal(order, amount);
  if (refusal) return rejected(refusal);
  const refundedAmount = order.refundedAmount + amount;
  return changed(order, { status: refundedStatus(order, refundedAmount), refundedAmount }, at);
}

/** A card refund goes to the processor: its amount is held back from what is refundable. */
export function startCardRefund(order: Order, amount: number, at: string): OrderChange {
  const refusal = refundRefusal(order, amount);
  if (refusal) return rejected(refusal);
  return changed(order, { refundPendingAmount: order.refundPendingAmount + amount }, at);
}

/** The processor's outcome of a card refund: refunded, or the amount refundable again. */
export function settleCardRefund(
  order: Order,
  amount: number,
  succeeded: boolean,
  at: string,
): OrderChange {
  if (order.refundPendingAmount < amount) return rejected("invalid-state-transition");
  const refundPendingAmount = order.refundPendingAmount - amount;
  if (!succeeded) return changed(order, { refundPendingAmount }, at);
  const refundedAmount = order.refundedAmount + amount;
  const status = refundedStatus(order, refundedAmount);
  return changed(order, { status, refundedAmount, refundPendingAmount }, at);
}

function refundRefusal(order: Order, amount: number): OrderChangeFailure | undefined {
  if (isPaidStatus(order.status) && amount > refundableAmount(order)) {
    return "refund-exceeds-payment";
  }
  const target = refundedStatus(order, order.refundedAmount + amount);
  if (!canTransition(order.status, target)) return "invalid-state-transition";
  return undefined;
}

function refundedStatus(order: Order, refundedAmount: number): OrderStatus {
  return refundedAmount === order.paidAmount ? "refunded" : "partially_refunded";
}

function isPaidStatus(status: OrderStatus): boolean {
  return status === "paid" || status === "partially_refunded" || status === "refunded";
}

/** Why an order cannot make a change, in the domain's refusals. */
const refusalOf: Readonly<Record<OrderChangeFailure, (order: Order) => Refusal>> = {
  "invalid-state-transition": (order) => ({
    reason: "invalid-state-transition",
    status: order.status,
  }),
  "order-already-paid": () => ({ reason: "order-already-paid" }),
  "payment-in-progress": () => ({ reason: "payment-in-progress" }),
  "refund-exceeds-payment": (order) => ({
    reason: "refund-exceeds-payment",
    refundable: order.paidAmount - order.refundedAmount,
  }),
};

/** The changed order, or the refusal that says why the change is refused. */
export function changedOrder(order: Order, change: OrderChange): Order {
  if (!change.ok) return refuse(refusalOf[change.reason](order));
  return change.order;
}
