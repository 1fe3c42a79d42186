import fc from "fast-check";
import { IDEMPOTENCY_KEY_PATTERN } from "../../../functions/api-docs/openapi-idempotency-key";
import { parseIdempotencyKey } from "../../../functions/idempotency/http/key";

/** What the API does with a header value: accepts it as a key, or answers 400. */
function accepted(value: string): boolean {
  try {
    parseIdempotencyKey(value);
    return true;
  } catch {
    return false;
  }
}

// Characters around every edge of the rule: visible ASCII, the comma, quotes,
// backslashes, space, tab, a control character and non-ASCII.
const edgy = fc.constantFrom(
  "a",
  "Z",
  "0",
  "~",
  "!",
  "#",
  "+",
  "-",
  ",",
  '"',
  "\\",
  " ",
  "\t",
  "\x7f",
  "é",
);
const visible = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
const headerValue = fc.oneof(
  fc.string({ unit: edgy, maxLength: 12 }),
  fc.string({ unit: fc.oneof(visible, edgy), minLength: 250, maxLength: 260 }),
  fc.string({ unit: visible, minLength: 1, maxLength: 260 }).map((key) => `"${key}"`),
);
// The API trims spaces and tabs around the value, as HTTP does before it.
const untrimmed = (value: string) => /^[ \t]|[ \t]$/.test(value);

describe("the documented Idempotency-Key pattern", () => {
  it("accepts exactly the header values the API accepts", () => {
    fc.assert(
      fc.property(headerValue, (value) => {
        fc.pre(!untrimmed(value));
        expect(IDEMPOTENCY_KEY_PATTERN.test(value)).toBe(accepted(value));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["a bare key", "abc", true],
    ["a structured-field string", '"abc"', true],
    ["an escaped quote inside one", '"a\\"b"', true],
    ["a quote inside a bare key", 'a"b', true],
    ["255 characters", "k".repeat(255), true],
    ["255 characters, quoted", `"${"k".repeat(255)}"`, true],
    ["256 characters", "k".repeat(256), false],
    ["a comma", "a,b", false],
    ["a quoted comma", '"a,b"', false],
    ["an empty quoted key", '""', false],
    ["an escape of anything but a quote or a backslash", '"a\\b"', false],
    ["nothing", "", false],
  ])("%s", (_label, value, expected) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(value)).toBe(expected);
    expect(accepted(value)).toBe(expected);
  });
});
