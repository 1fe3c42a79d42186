import {
  createOrderBodySchema,
  updateOrderBodySchema,
} from "../../../functions/orders/order-schemas";

const item = { sku: "book", quantity: 1, unitPrice: 1500 };

function issues(body: unknown) {
  const parsed = createOrderBodySchema.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join("."));
}

describe("order request schemas", () => {
  it("accepts 1 to 100 items of quantity 1 to 1000", () => {
    expect(issues({ currency: "EUR", items: [item] })).toEqual([]);
    expect(
      issues({
        currency: "EUR",
        items: Array.from({ length: 100 }, () => ({ ...item, quantity: 1000 })),
      }),
    ).toEqual([]);
  });

  it.each([
    ["no items", { currency: "EUR", items: [] }, "items"],
    ["101 items", { currency: "EUR", items: Array.from({ length: 101 }, () => item) }, "items"],
    ["quantity 0", { currency: "EUR", items: [{ ...item, quantity: 0 }] }, "items.0.quantity"],
    [
      "quantity 1001",
      { currency: "EUR", items: [{ ...item, quantity: 1001 }] },
      "items.0.quantity",
    ],
    [
      "a fractional quantity",
      { currency: "EUR", items: [{ ...item, quantity: 1.5 }] },
      "items.0.quantity",
    ],
    ["an empty sku", { currency: "EUR", items: [{ ...item, sku: "" }] }, "items.0.sku"],
    [
      "a sku of 65 characters",
      { currency: "EUR", items: [{ ...item, sku: "s".repeat(65) }] },
      "items.0.sku",
    ],
    ["a zero price", { currency: "EUR", items: [{ ...item, unitPrice: 0 }] }, "items.0.unitPrice"],
    [
      "a fractional price",
      { currency: "EUR", items: [{ ...item, unitPrice: 9.99 }] },
      "items.0.unitPrice",
    ],
    ["an unknown item field", { currency: "EUR", items: [{ ...item, color: "red" }] }, "items.0"],
    [
      "a total over 10^12",
      { currency: "EUR", items: [{ ...item, quantity: 2, unitPrice: 5e11 + 1 }] },
      "items",
    ],
    ["a lower-case currency", { currency: "eur", items: [item] }, "currency"],
    ["an unknown field", { currency: "EUR", items: [item], note: "x" }, ""],
  ])("refuses %s", (_name, body, path) => {
    expect(issues(body)).toContain(path);
  });

  it("bounds the total of a revision too, at path items", () => {
    const parsed = updateOrderBodySchema.safeParse({
      items: [{ ...item, quantity: 1000, unitPrice: 1e12 }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["items"]);
  });
});
