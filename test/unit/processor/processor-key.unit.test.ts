import { processorIdempotencyKey } from "../../../functions/processor/processor-key";

describe("processorIdempotencyKey", () => {
  const identity = [
    "caller",
    "alice",
    "POST /orders/{orderId}/payments",
    "order-1",
    "client-key-1",
  ];

  it("is the same for the same purpose and identity (every attempt sends the same key)", () => {
    expect(processorIdempotencyKey("charge", identity)).toBe(
      processorIdempotencyKey("charge", [...identity]),
    );
  });

  it("is a purpose prefix and a base64url SHA-256: bounded, and no identity in it", () => {
    const key = processorIdempotencyKey("charge", ["x".repeat(10_000)]);
    expect(key).toMatch(/^charge:[A-Za-z0-9_-]{43}$/);
    expect(processorIdempotencyKey("refund", identity)).toMatch(/^refund:[A-Za-z0-9_-]{43}$/);
    expect(processorIdempotencyKey("charge", identity)).not.toContain("alice");
  });

  it("differs between purposes for the same identity", () => {
    expect(processorIdempotencyKey("charge", identity)).not.toBe(
      processorIdempotencyKey("refund", identity),
    );
  });

  it.each([
    [
      ["a", "b"],
      ["a", "c"],
    ],
    [
      ["ab", "c"],
      ["a", "bc"],
    ],
    [["a,b"], ["a", "b"]],
    [["a"], ["a", ""]],
  ])("differs for distinct identities %j and %j", (one, other) => {
    expect(processorIdempotencyKey("charge", one)).not.toBe(
      processorIdempotencyKey("charge", other),
    );
  });
});
