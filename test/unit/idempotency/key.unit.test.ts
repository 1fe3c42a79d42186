import {
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
} from "../../../functions/idempotency/core/errors";
import {
  type HeaderMap,
  type MultiValueHeaderMap,
  parseIdempotencyKey,
  readIdempotencyKey,
  requireIdempotencyKey,
} from "../../../functions/idempotency/http/key";

/** Runs `act` and returns what it threw; fails the test when it throws nothing. */
function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error("Expected the call to throw, but it returned normally.");
}

function expectInvalidKey(error: unknown): void {
  expect(error).toBeInstanceOf(IdempotencyKeyInvalidError);
  expect(error).toMatchObject({ statusCode: 400, slug: "idempotency-key-invalid", expose: true });
}

function expectMissingKey(error: unknown): void {
  expect(error).toBeInstanceOf(IdempotencyKeyMissingError);
  expect(error).toMatchObject({ statusCode: 400, slug: "idempotency-key-missing", expose: true });
}

const keyHeader = (value: string): HeaderMap => ({ "Idempotency-Key": value });

const LONGEST_KEY = "k".repeat(255);
const TOO_LONG_KEY = "k".repeat(256);

/**
 * Every malformed header value of the contract (one value each, as payload
 * 2.0 delivers it: repeated headers arrive joined with a comma).
 */
const malformedValues: ReadonlyArray<readonly [string, string]> = [
  ["an empty value", ""],
  ["a value of spaces only", "   "],
  ["a value of spaces and tabs only", " \t \t"],
  ["an empty quoted key", '""'],
  ["an empty quoted key surrounded by spaces", '  ""  '],
  ["a bare key of 256 characters", TOO_LONG_KEY],
  ["a quoted key of 256 characters", `"${TOO_LONG_KEY}"`],
  ["a space inside a bare key", "abc def"],
  ["a space inside a quoted key", '"abc def"'],
  ["a tab inside a bare key", "abc\tdef"],
  ["a tab inside a quoted key", '"abc\tdef"'],
  ["DEL (0x7F) in a bare key", "abc\x7fdef"],
  ["DEL (0x7F) in a quoted key", '"abc\x7fdef"'],
  ["a non-ASCII letter in a bare key", "caf\u00e9"],
  ["a non-ASCII letter in a quoted key", '"caf\u00e9"'],
  ["an emoji in a bare key", "key-\u{1f600}"],
  ["a non-breaking space inside a bare key", "abc\u00a0def"],
  ["a NUL control character", "abc\x00def"],
  ["a SOH control character", "\x01abc"],
  ["a unit separator (0x1F) control character", "abc\x1f"],
  ["a line feed inside the key", "abc\ndef"],
  ["a carriage return at the end of the key", "abc\r"],
  ["a control character in a quoted key", '"abc\x1bdef"'],
  ["two bare values joined by a comma", "a,b"],
  ["two bare values joined by a comma and a space", "a, b"],
  ["two quoted values", '"a", "b"'],
  ["two quoted values without a space", '"a","b"'],
  ["a quoted then a bare value", '"a",b'],
  ["a bare then a quoted value", 'a,"b"'],
  ["the same key twice", "key-1,key-1"],
  ["a trailing comma", "abc,"],
  // API Gateway joins the lines `"abc` and `def"` into one quoted string.
  ["two header lines that join into one quoted string", '"abc,def"'],
  ["a comma inside the quotes", '"a,b"'],
  ["a comma escaped inside the quotes", '"a\\,b"'],
  ["an unterminated quote", '"abc'],
  ["a lone double quote", '"'],
  ["an escaped closing quote leaving the key unterminated", '"abc\\"'],
  ["a backslash escaping a letter", '"a\\b"'],
  ["a backslash escaping a space", '"a\\ b"'],
  ["a backslash at the very end", '"abc\\'],
  ["a letter after the closing quote", '"abc"d'],
  ["a word after the closing quote and a space", '"abc" def'],
  ["a second quoted string after the closing quote", '"abc""def"'],
  ["a parameter after the closing quote", '"abc";v=1'],
];

describe("readIdempotencyKey", () => {
  it("treats a quoted and a bare key as the same key", () => {
    // Prepare
    const bare = keyHeader("order-2026-0001");
    const quoted = keyHeader('"order-2026-0001"');

    // Act
    const fromBare = readIdempotencyKey(bare);
    const fromQuoted = readIdempotencyKey(quoted);

    // Assess
    expect(fromBare).toBe("order-2026-0001");
    expect(fromQuoted).toBe(fromBare);
  });

  it.each([
    ["a leading space", " abc"],
    ["a trailing space", "abc "],
    ["spaces on both sides", "   abc   "],
    ["tabs on both sides", "\tabc\t"],
    ["mixed spaces and tabs", " \t abc \t "],
    ["spaces around a quoted key", '  "abc"  '],
    ["tabs around a quoted key", '\t"abc"\t'],
  ])("trims %s around the key", (_name, value) => {
    // Prepare
    const headers = keyHeader(value);

    // Act
    const key = readIdempotencyKey(headers);

    // Assess
    expect(key).toBe("abc");
  });

  it.each([
    ["an escaped double quote", '"a\\"b"', 'a"b'],
    ["an escaped backslash", '"a\\\\b"', "a\\b"],
    ["an escaped quote and backslash side by side", '"\\"\\\\"', '"\\'],
    ["a key that is only an escaped quote", '"\\""', '"'],
  ])("unescapes %s inside a quoted key", (_name, value, expected) => {
    // Prepare
    const headers = keyHeader(value);

    // Act
    const key = readIdempotencyKey(headers);

    // Assess
    expect(key).toBe(expected);
  });

  it("gives an escaped quoted key the same key as its bare spelling", () => {
    // Prepare
    const quoted = keyHeader('"a\\"b\\\\c"');
    const bare = keyHeader('a"b\\c');

    // Act
    const fromQuoted = readIdempotencyKey(quoted);
    const fromBare = readIdempotencyKey(bare);

    // Assess
    expect(fromQuoted).toBe('a"b\\c');
    expect(fromBare).toBe(fromQuoted);
  });

  it.each(["Idempotency-Key", "idempotency-key", "IDEMPOTENCY-KEY", "iDeMpOtEnCy-KeY"])(
    "finds the header whatever the case of its name (%s)",
    (headerName) => {
      // Prepare
      const headers: HeaderMap = { "content-type": "application/json", [headerName]: "abc" };

      // Act
      const key = readIdempotencyKey(headers);

      // Assess
      expect(key).toBe("abc");
    },
  );

  it.each(["Idempotency-Key", "idempotency-key"])(
    "finds the header in multiValueHeaders whatever the case of its name (%s)",
    (headerName) => {
      // Prepare
      const multiValueHeaders: MultiValueHeaderMap = { [headerName]: ["abc"] };

      // Act
      const key = readIdempotencyKey({}, multiValueHeaders);

      // Assess
      expect(key).toBe("abc");
    },
  );

  it.each([
    ["a bare key", LONGEST_KEY],
    ["a quoted key", `"${LONGEST_KEY}"`],
  ])("accepts %s of exactly 255 characters", (_name, value) => {
    // Prepare
    const headers = keyHeader(value);

    // Act
    const key = readIdempotencyKey(headers);

    // Assess
    expect(key).toBe(LONGEST_KEY);
  });

  it("counts the length of a quoted key after unescaping it", () => {
    // Prepare: 254 letters and one escaped quote are 255 characters of key, 258 of header
    const expected = `${"k".repeat(254)}"`;
    const headers = keyHeader(`"${"k".repeat(254)}\\""`);

    // Act
    const key = readIdempotencyKey(headers);

    // Assess
    expect(key).toBe(expected);
    expect(key).toHaveLength(255);
  });

  it.each([
    ["the lowest visible character (0x21)", "!"],
    ["the highest visible character (0x7E)", "~"],
    ["punctuation", "a-b_c.d:e/f+g=h!i~j"],
    ["a UUID", "5f0c2a8e-3c0b-4d1e-9a57-6b1f4f0e2b11"],
  ])("accepts a key made of %s", (_name, value) => {
    // Prepare
    const headers = keyHeader(value);

    // Act
    const key = readIdempotencyKey(headers);

    // Assess
    expect(key).toBe(value);
  });

  it.each(malformedValues)("rejects %s as an invalid key", (_name, value) => {
    // Prepare
    const headers = keyHeader(value);

    // Act
    const error = thrownBy(() => readIdempotencyKey(headers));

    // Assess
    expectInvalidKey(error);
  });

  it.each([
    ["a non-breaking space", '"abc"\u00a0'],
    ["a space and a vertical tab", '"abc" \v'],
    ["a line feed", '"abc"\n'],
    ["a line separator (U+2028)", '"abc"\u2028'],
  ])(
    "rejects %s after the closing quote (only spaces and tabs may surround the key)",
    (_name, value) => {
      // Prepare
      const headers = keyHeader(value);

      // Act
      const error = thrownBy(() => readIdempotencyKey(headers));

      // Assess
      expectInvalidKey(error);
    },
  );

  it.each<readonly [string, MultiValueHeaderMap]>([
    ["two different values", { "Idempotency-Key": ["a", "b"] }],
    ["the same value twice", { "Idempotency-Key": ["abc", "abc"] }],
    ["two quoted values", { "idempotency-key": ['"a"', '"b"'] }],
    [
      "one value under each spelling of the name",
      { "Idempotency-Key": ["a"], "idempotency-key": ["b"] },
    ],
    ["a single value that holds two joined values", { "Idempotency-Key": ["a,b"] }],
  ])("rejects multiValueHeaders with %s", (_name, multiValueHeaders) => {
    // Prepare: payload 1.0 repeats the last value in `headers`
    const headers = keyHeader("b");

    // Act
    const error = thrownBy(() => readIdempotencyKey(headers, multiValueHeaders));

    // Assess
    expectInvalidKey(error);
  });

  it("rejects the header given twice under two spellings of its name", () => {
    // Prepare
    const headers: HeaderMap = { "Idempotency-Key": "abc", "idempotency-key": "abc" };

    // Act
    const error = thrownBy(() => readIdempotencyKey(headers));

    // Assess
    expectInvalidKey(error);
  });

  it("reads a single value from multiValueHeaders (payload 1.0)", () => {
    // Prepare
    const headers = keyHeader('"abc"');
    const multiValueHeaders: MultiValueHeaderMap = { "Idempotency-Key": ['"abc"'] };

    // Act
    const key = readIdempotencyKey(headers, multiValueHeaders);

    // Assess
    expect(key).toBe("abc");
  });

  it.each<readonly [string, MultiValueHeaderMap | null | undefined]>([
    ["absent", undefined],
    ["null", null],
    ["empty", {}],
    ["an empty list for the header", { "Idempotency-Key": [] }],
    ["an undefined list for the header", { "Idempotency-Key": undefined }],
  ])("falls back to headers when multiValueHeaders is %s", (_name, multiValueHeaders) => {
    // Prepare
    const headers = keyHeader("abc");

    // Act
    const key = readIdempotencyKey(headers, multiValueHeaders);

    // Assess
    expect(key).toBe("abc");
  });

  it.each<readonly [string, HeaderMap | null | undefined, MultiValueHeaderMap | null | undefined]>([
    ["headers is undefined", undefined, undefined],
    ["headers is null", null, null],
    ["headers is empty", {}, undefined],
    ["only other headers are present", { "content-type": "application/json" }, undefined],
    ["the header's value is undefined", { "Idempotency-Key": undefined }, undefined],
    ["a header merely starts with the name", { "Idempotency-Key-2": "abc" }, undefined],
    ["multiValueHeaders has only other headers", {}, { accept: ["*/*"] }],
  ])("returns undefined when %s", (_name, headers, multiValueHeaders) => {
    // Prepare: nothing else

    // Act
    const key = readIdempotencyKey(headers, multiValueHeaders);

    // Assess
    expect(key).toBeUndefined();
  });
});

describe("requireIdempotencyKey", () => {
  it.each<readonly [string, HeaderMap | null | undefined]>([
    ["headers is undefined", undefined],
    ["headers is null", null],
    ["headers is empty", {}],
    ["only other headers are present", { "content-type": "application/json" }],
    ["the header's value is undefined", { "Idempotency-Key": undefined }],
  ])("throws IdempotencyKeyMissingError when %s", (_name, headers) => {
    // Prepare: nothing else

    // Act
    const error = thrownBy(() => requireIdempotencyKey(headers));

    // Assess
    expectMissingKey(error);
  });

  it("returns the key when the header is present", () => {
    // Prepare
    const headers = keyHeader(' "abc" ');

    // Act
    const key = requireIdempotencyKey(headers);

    // Assess
    expect(key).toBe("abc");
  });

  it("reads the key from multiValueHeaders", () => {
    // Prepare
    const multiValueHeaders: MultiValueHeaderMap = { "idempotency-key": ["abc"] };

    // Act
    const key = requireIdempotencyKey(null, multiValueHeaders);

    // Assess
    expect(key).toBe("abc");
  });

  it.each(malformedValues)("reports %s as invalid, not as missing", (_name, value) => {
    // Prepare
    const headers = keyHeader(value);

    // Act
    const error = thrownBy(() => requireIdempotencyKey(headers));

    // Assess
    expectInvalidKey(error);
  });

  it("reports two values in multiValueHeaders as invalid, not as missing", () => {
    // Prepare
    const multiValueHeaders: MultiValueHeaderMap = { "Idempotency-Key": ["a", "b"] };

    // Act
    const error = thrownBy(() => requireIdempotencyKey({}, multiValueHeaders));

    // Assess
    expectInvalidKey(error);
  });
});

describe("parseIdempotencyKey", () => {
  it.each([
    ["a bare key", "abc", "abc"],
    ["a quoted key", '"abc"', "abc"],
    ["a padded bare key", " \tabc\t ", "abc"],
    ["a padded quoted key", ' \t"abc"\t ', "abc"],
    ["a quoted key with escapes", '"a\\"b\\\\c"', 'a"b\\c'],
    ["a bare key of 255 characters", LONGEST_KEY, LONGEST_KEY],
    ["a quoted key of 255 characters", `"${LONGEST_KEY}"`, LONGEST_KEY],
  ])("parses %s", (_name, value, expected) => {
    // Prepare: nothing else

    // Act
    const key = parseIdempotencyKey(value);

    // Assess
    expect(key).toBe(expected);
  });

  it.each(malformedValues)("rejects %s", (_name, value) => {
    // Prepare: nothing else

    // Act
    const error = thrownBy(() => parseIdempotencyKey(value));

    // Assess
    expectInvalidKey(error);
  });
});
