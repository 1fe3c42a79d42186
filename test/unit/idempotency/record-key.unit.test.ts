import fc from "fast-check";
import { recordKey } from "../../../functions/idempotency";

const anyString = fc.string({ unit: "binary", maxLength: 400 });

describe("recordKey", () => {
  it.each([
    ["400 × é", "\u00e9".repeat(400), "k".repeat(255)],
    ["2,000 ASCII characters", "x".repeat(2_000), "k".repeat(255)],
    ["a lone high surrogate", "\ud800", "key"],
    ["a lone low surrogate", "\udc00", "key"],
  ])(
    "is 49 ASCII characters for a caller of %s, far under DynamoDB's 2,048 bytes",
    (_name, sub, key) => {
      const pk = recordKey(sub, key);

      expect(pk).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    },
  );

  it("keeps callers apart where a separator would join them", () => {
    expect(recordKey("a#b", "c")).not.toBe(recordKey("a", "b#c"));
    expect(recordKey('a","b', "c")).not.toBe(recordKey("a", 'b","c'));
    expect(recordKey("\ud800", "k")).not.toBe(recordKey("\udc00", "k"));
    expect(recordKey("\ud800", "k")).not.toBe(recordKey("\ufffd", "k"));
  });

  it("gives different (caller, key) pairs different keys, and the same pair the same key", () => {
    fc.assert(
      fc.property(anyString, anyString, anyString, anyString, (sub1, key1, sub2, key2) => {
        const same = sub1 === sub2 && key1 === key2;
        expect(recordKey(sub1, key1) === recordKey(sub2, key2)).toBe(same);
      }),
      { numRuns: 2_000 },
    );
  });
});
