import fc from "fast-check";
import { recordKey } from "../../../functions/idempotency/core/record";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";

const anyString = fc.string({ unit: "binary", maxLength: 400 });

describe("callerRecordKey: the record key of an HTTP request", () => {
  it.each([
    ["400 × é", "\u00e9".repeat(400), "k".repeat(255)],
    ["2,000 ASCII characters", "x".repeat(2_000), "k".repeat(255)],
    ["a lone high surrogate", "\ud800", "key"],
    ["a lone low surrogate", "\udc00", "key"],
  ])(
    "is 49 ASCII characters for a caller of %s, far under DynamoDB's 2,048 bytes",
    (_name, sub, key) => {
      const pk = callerRecordKey(sub, key);

      expect(pk).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    },
  );

  it("keeps callers apart where a separator would join them", () => {
    expect(callerRecordKey("a#b", "c")).not.toBe(callerRecordKey("a", "b#c"));
    expect(callerRecordKey('a","b', "c")).not.toBe(callerRecordKey("a", 'b","c'));
    expect(callerRecordKey("\ud800", "k")).not.toBe(callerRecordKey("\udc00", "k"));
    expect(callerRecordKey("\ud800", "k")).not.toBe(callerRecordKey("\ufffd", "k"));
  });

  it("gives different (caller, key) pairs different keys, and the same pair the same key", () => {
    fc.assert(
      fc.property(anyString, anyString, anyString, anyString, (sub1, key1, sub2, key2) => {
        const same = sub1 === sub2 && key1 === key2;
        expect(callerRecordKey(sub1, key1) === callerRecordKey(sub2, key2)).toBe(same);
      }),
      { numRuns: 2_000 },
    );
  });

  it("never gives a caller's key the record of a function scope of the same name", () => {
    expect(callerRecordKey("outbox-publisher", "event-1")).not.toBe(
      recordKey(["function", "outbox-publisher"], "event-1"),
    );
  });
});
