import {
  cancelOrder,
  canTransition,
  isWithinTotalLimit,
  MAX_ORDER_TOTAL,
  newOrder,
  type Order,
  type OrderItem,
  type OrderStatus,
  orderStatuses,
  orderTotal,
  payOrder,
  refundableAmount,
  refundOrder,
  reviseItems,
} from "../../../functions/orders/order";

const CREATED_AT = "2026-11-23T12:00:00.000Z";
const LATER = "2026-11-23T12:05:00.000Z";

const items: OrderItem[] = [
  { sku: "book", quantity: 2, unitPrice: 1500 },
  { sku: "pen", quantity: 3, unitPrice: 250 },
];

function order(overrides: Partial<Order> = {}): Order {
  return {
    ...newOrder({ id: "order-1", ownerId: "caller-1", currency: "EUR", items, at: CREATED_AT }),
    ...overrides,
  };
}

/** A paid order of 3750 with `refunded` of it refunded already. */
function paid(refunded = 0, status: OrderStatus = "paid"): Order {
  return order({ status, paidAmount: 3750, refundedAmount: refunded, version: 2 });
}

describe("order totals", () => {
  it("adds quantity × unitPrice over the items", () => {
    expect(orderTotal(items)).toBe(2 * 1500 + 3 * 250);
  });

  it("is exact at the largest allowed total", () => {
    const atLimit = [
      { sku: "a", quantity: 1000, unitPrice: 5e8 },
      { sku: "b", quantity: 1000, unitPrice: 5e8 },
    ];
    expect(orderTotal(atLimit)).toBe(MAX_ORDER_TOTAL);
    expect(isWithinTotalLimit(atLimit)).toBe(true);
  });

  it.each([
    ["one minor unit over", [{ sku: "a", quantity: 1, unitPrice: MAX_ORDER_TOTAL + 1 }]],
    [
      "100 lines of the largest price and quantity (beyond 2^53)",
      Array.from({ length: 100 }, (_, index) => ({
        sku: `sku-${index}`,
        quantity: 1000,
        unitPrice: 1e12,
      })),
    ],
  ])("refuses a total %s the limit", (_name, over) => {
    expect(isWithinTotalLimit(over)).toBe(false);
  });

  it("starts a new order pending at version 1, with nothing paid or refunded", () => {
    expect(order()).toEqual({
      id: "order-1",
      ownerId: "caller-1",
      status: "pending",
      currency: "EUR",
      items,
      total: 3750,
      paidAmount: 0,
      refundedAmount: 0,
      refundPendingAmount: 0,
      version: 1,
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
    });
  });
});

describe("order state machine", () => {
  const allowed = new Set([
    "pending→paid",
    "pending→payment_pending",
    "pending→cancelled",
    // A card payment at the processor: paid, or back to pending when declined.
    "payment_pending→paid",
    "payment_pending→pending",
    "paid→partially_refunded",
    "paid→refunded",
    "partially_refunded→partially_refunded",
    "partially_refunded→refunded",
  ]);
  const pairs = orderStatuses.flatMap((from) =>
    orderStatuses.map((to) => [from, to, allowed.has(`${from}→${to}`)] as const),
  );

  it.each(pairs)("%s → %s allowed: %s", (from, to, expected) => {
    expect(canTransition(from, to)).toBe(expected);
  });
});

describe("changes of an order", () => {
  it("revises the items of a pending order, recomputes the total and moves the version", () => {
    const change = reviseItems(order(), [{ sku: "mug", quantity: 1, unitPrice: 900 }], LATER);
    expect(change).toEqual({
      ok: true,
      order: expect.objectContaining({
        items: [{ sku: "mug", quantity: 1, unitPrice: 900 }],
        total: 900,
        status: "pending",
        version: 2,
        createdAt: CREATED_AT,
        updatedAt: LATER,
      }),
    });
  });

  it.each(["paid", "partially_refunded", "refunded", "cancelled"] as const)(
    "refuses to revise a %s order",
    (status) => {
      expect(reviseItems(order({ status }), items, LATER)).toEqual({
        ok: false,
        reason: "invalid-state-transition",
      });
    },
  );

  it("cancels a pending order", () => {
    const change = cancelOrder(order(), LATER);
    expect(change).toEqual({
      ok: true,
      order: expect.objectContaining({ status: "cancelled", version: 2, updatedAt: LATER }),
    });
  });

  it.each(["paid", "partially_refunded", "refunded", "cancelled"] as const)(
    "refuses to cancel a %s order",
    (status) => {
      expect(cancelOrder(order({ status }), LATER)).toEqual({
        ok: false,
        reason: "invalid-state-transition",
      });
    },
  );

  it("pays a pending order in full", () => {
    const change = payOrder(order(), LATER);
    expect(change).toEqual({
      ok: true,
      order: expect.objectContaining({ status: "paid", paidAmount: 3750, version: 2 }),
    });
  });

  it.each([
    ["paid", "order-already-paid"],
    ["partially_refunded", "order-already-paid"],
    ["refunded", "order-already-paid"],
    ["cancelled", "invalid-state-transition"],
  ] as const)("refuses to pay a %s order: %s", (status, reason) => {
    expect(payOrder(order({ status }), LATER)).toEqual({ ok: false, reason });
  });

  it.each([
    ["part of a paid order", paid(), 1000, "partially_refunded", 1000],
    ["all of a paid order at once", paid(), 3750, "refunded", 3750],
    [
      "more of a partially refunded order",
      paid(1000, "partially_refunded"),
      500,
      "partially_refunded",
      1500,
    ],
    [
      "the rest of a partially refunded order",
      paid(1000, "partially_refunded"),
      2750,
      "refunded",
      3750,
    ],
  ] as const)("refunds %s", (_name, before, amount, status, refundedAmount) => {
    const change = refundOrder(before, amount, LATER);
    expect(change).toEqual({
      ok: true,
      order: expect.objectContaining({
        status,
        refundedAmount,
        paidAmount: 3750,
        version: before.version + 1,
      }),
    });
  });

  it.each([
    ["more than was paid", paid(), 3751, "refund-exceeds-payment"],
    ["more than is left", paid(3000, "partially_refunded"), 751, "refund-exceeds-payment"],
    ["a pending order", order(), 1, "invalid-state-transition"],
    ["a cancelled order", order({ status: "cancelled" }), 1, "invalid-state-transition"],
    // Nothing is left to refund: the same answer as for any refund too large.
    ["a refunded order", paid(3750, "refunded"), 1, "refund-exceeds-payment"],
  ] as const)("refuses to refund %s", (_name, before, amount, reason) => {
    expect(refundOrder(before, amount, LATER)).toEqual({ ok: false, reason });
  });

  it("tells what is left to refund", () => {
    expect(refundableAmount(paid(1000, "partially_refunded"))).toBe(2750);
  });
});
