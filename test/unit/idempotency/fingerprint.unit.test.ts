import { createHash } from "node:crypto";
import { canonicalJson } from "../../../functions/idempotency/core/fingerprint";
import {
  fingerprint,
  type HttpRequestIdentity as RequestIdentity,
} from "../../../functions/idempotency/http/request-fingerprint";

const deposit: RequestIdentity = {
  method: "POST",
  route: "POST /accounts/{accountId}/deposits",
  pathParameters: { accountId: "acc-1" },
  body: '{"amount":500,"currency":"EUR"}',
};

/** The fingerprint of the deposit request with some of its parts replaced. */
const fingerprintOf = (overrides: Partial<RequestIdentity> = {}): string =>
  fingerprint({ ...deposit, ...overrides });

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    // Prepare
    const value = { b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: null } };

    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe('{"a":{"c":null,"d":[{"y":2,"z":1},3]},"b":1}');
  });

  it("orders keys by UTF-16 code units as RFC 8785 does, integer-like keys included", () => {
    // Plain objects list integer-like keys first; JCS compares them as strings.
    expect(canonicalJson(JSON.parse('{"9":2,"10":1,"b":3,"B":4}'))).toBe(
      '{"10":1,"9":2,"B":4,"b":3}',
    );
  });

  it("writes no insignificant whitespace", () => {
    // Prepare
    const value = JSON.parse('{ "b" : [ 1 , 2 ] ,\n\t"a" : "x y" }');

    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe('{"a":"x y","b":[1,2]}');
  });

  it("gives the same text whatever the order in which keys were written", () => {
    // Prepare
    const first = { "10": 1, "9": 2, b: 3, a: 4, B: 5, "\u00e9": 6 };
    const second = { "\u00e9": 6, B: 5, a: 4, b: 3, "9": 2, "10": 1 };

    // Act
    const fromFirst = canonicalJson(first);
    const fromSecond = canonicalJson(second);

    // Assess
    expect(fromFirst).toBe(fromSecond);
  });

  it("leaves out properties whose value is undefined, as JSON does", () => {
    // Prepare
    const value = { a: 1, b: undefined };

    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe('{"a":1}');
  });

  it.each([
    ["null", null, "null"],
    ["a number", 1.5, "1.5"],
    ["a string", "\u00e9", '"\u00e9"'],
    ["a boolean", true, "true"],
    ["an empty array", [], "[]"],
    ["an empty object", {}, "{}"],
  ])("writes %s as JSON does", (_name, value, expected) => {
    // Prepare: nothing else

    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe(expected);
  });

  it.each([
    ["an object", '{"__proto__":{"x":1},"a":1}'],
    ["a number", '{"__proto__":1,"a":1}'],
    ["null", '{"__proto__":null,"a":1}'],
  ])("keeps a member named __proto__ whose value is %s", (_name, text) => {
    // Prepare
    const value: unknown = JSON.parse(text);

    // Act
    const canonical = canonicalJson(value);

    // Assess
    expect(canonical).toBe(text);
  });

  it.each([
    ["a few levels", 3],
    ["past the recursion limit", 300],
    ["deeper than any call stack", 20_000],
  ])("writes values nested %s, keys sorted at every level", (_name, depth) => {
    // Prepare: {"z":0,"a":{"z":0,"a":...[2,{"y":1,"b":null},[]]...}}
    const text = `${'{"z":0,"a":'.repeat(depth)}[2,{"y":1,"b":null},[]]${"}".repeat(depth)}`;

    // Act
    const canonical = canonicalJson(JSON.parse(text));

    // Assess
    expect(canonical).toBe(
      `${'{"a":'.repeat(depth)}[2,{"b":null,"y":1},[]]${',"z":0}'.repeat(depth)}`,
    );
  });
});

describe("fingerprint", () => {
  it("is 64 lowercase hexadecimal characters (SHA-256)", () => {
    // Prepare: the deposit request

    // Act
    const result = fingerprintOf();

    // Assess
    expect(result).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for the same request computed twice", () => {
    // Prepare: the deposit request

    // Act
    const first = fingerprintOf();
    const second = fingerprintOf();

    // Assess
    expect(second).toBe(first);
  });

  it("hashes the canonical JSON of method, route, path parameters and body", () => {
    // Prepare: pinned, because a change of format changes every fingerprint and
    // turns retries that span a deployment into 422 idempotency-key-reused
    const identity =
      '{"body":{"json":{"amount":500,"currency":"EUR"}},"method":"POST",' +
      '"pathParameters":{"accountId":"acc-1"},"route":"POST /accounts/{accountId}/deposits"}';
    const expected = createHash("sha256").update(identity).digest("hex");

    // Act
    const result = fingerprintOf({ method: "post", body: '{ "currency": "EUR", "amount": 500 }' });

    // Assess
    expect(result).toBe(expected);
  });

  it.each<readonly [string, Partial<RequestIdentity>, Partial<RequestIdentity>]>([
    [
      "keys in another order and with whitespace",
      { body: '{"a":1,"b":2}' },
      { body: '{ "b": 2, "a": 1 }' },
    ],
    [
      "nested objects with keys in another order",
      { body: '{"o":{"x":1,"y":{"p":1,"q":[2,3]}},"z":true}' },
      { body: '{"z":true,"o":{"y":{"q":[2,3],"p":1},"x":1}}' },
    ],
    [
      "arrays of objects whose keys are in another order",
      { body: '{"items":[{"sku":"A","quantity":1},{"sku":"B","quantity":2,"unitPrice":300}]}' },
      {
        body: '{"items":[{"quantity":1,"sku":"A"},{"unitPrice":300,"quantity":2,"sku":"B"}]}',
      },
    ],
    [
      "line breaks and tabs between the tokens",
      { body: '{"amount":500,"currency":"EUR"}' },
      { body: '{\n\t"amount" : 500 ,\r\n\t"currency" : "EUR"\n}\n' },
    ],
    [
      "a unicode escape and the literal character",
      { body: '{"name":"\\u00e9"}' },
      { body: '{"name":"\u00e9"}' },
    ],
    [
      "an emoji as surrogate-pair escapes and as a literal",
      { body: '{"name":"\\ud83d\\ude00"}' },
      { body: '{"name":"\u{1f600}"}' },
    ],
    [
      "a unicode escape in a key and the literal key",
      { body: '{"caf\\u00e9":1}' },
      { body: '{"caf\u00e9":1}' },
    ],
    [
      "an escaped slash and a literal slash",
      { body: '{"path":"a\\/b"}' },
      { body: '{"path":"a/b"}' },
    ],
    ["the same number written two ways", { body: '{"amount":500}' }, { body: '{"amount":5e2}' }],
    [
      "a parsed object and the same body as JSON text",
      { body: { amount: 500, currency: "EUR" } },
      { body: '{"currency":"EUR","amount":500}' },
    ],
    [
      "a parsed nested object and the same body as JSON text",
      { body: { items: [{ sku: "A", quantity: 1 }], currency: "EUR" } },
      { body: '{"currency":"EUR","items":[{"quantity":1,"sku":"A"}]}' },
    ],
    [
      "a parsed array and the same array as JSON text",
      { body: [1, { b: 2, a: 1 }] },
      { body: '[1,{"a":1,"b":2}]' },
    ],
    [
      "a parsed object with an undefined property and the JSON text without it",
      { body: { amount: 500, note: undefined } },
      { body: '{"amount":500}' },
    ],
    ["the method in lower case and in upper case", { method: "post" }, { method: "POST" }],
    ["the method in mixed case and in upper case", { method: "PoSt" }, { method: "POST" }],
    [
      "path parameters in another order",
      { pathParameters: { accountId: "acc-1", entryId: "e-1" } },
      { pathParameters: { entryId: "e-1", accountId: "acc-1" } },
    ],
    ["null and absent path parameters", { pathParameters: null }, { pathParameters: undefined }],
    ["null and empty path parameters", { pathParameters: null }, { pathParameters: {} }],
    [
      "a path parameter whose value is undefined and none",
      { pathParameters: { accountId: "acc-1", extra: undefined } },
      { pathParameters: { accountId: "acc-1" } },
    ],
    [
      "the same text that is not JSON",
      { body: "amount=500&currency=EUR" },
      { body: "amount=500&currency=EUR" },
    ],
    [
      "the same base64 body",
      { body: "eyJhbW91bnQiOjUwMH0=", isBase64Encoded: true },
      { body: "eyJhbW91bnQiOjUwMH0=", isBase64Encoded: true },
    ],
    [
      "a JSON body flagged as not base64 and one not flagged",
      { body: '{"amount":500}', isBase64Encoded: false },
      { body: '{"amount":500}', isBase64Encoded: undefined },
    ],
    // A REST API with a binary media type encodes every body: JSON is JSON either way.
    [
      "a JSON body base64-encoded and the same JSON as text",
      { body: Buffer.from('{"amount":500}').toString("base64"), isBase64Encoded: true },
      { body: '{"amount":500}' },
    ],
    [
      "two base64 bodies of the same JSON spelled differently",
      { body: Buffer.from('{"a":1,"b":2}').toString("base64"), isBase64Encoded: true },
      { body: Buffer.from('{ "b": 2, "a": 1 }').toString("base64"), isBase64Encoded: true },
    ],
    [
      "a base64 text that is not JSON and the same text",
      { body: Buffer.from("amount=500").toString("base64"), isBase64Encoded: true },
      { body: "amount=500" },
    ],
  ])("is the same for %s", (_name, first, second) => {
    // Prepare: two spellings of one request

    // Act
    const fromFirst = fingerprintOf(first);
    const fromSecond = fingerprintOf(second);

    // Assess
    expect(fromSecond).toBe(fromFirst);
  });

  it.each<readonly [string, unknown]>([
    ["an empty string", ""],
    ["null", null],
    ["undefined", undefined],
  ])("counts %s as no body", (_name, body) => {
    // Prepare
    const withoutBody: RequestIdentity = { ...deposit, body: undefined };

    // Act
    const result = fingerprint({ ...deposit, body });

    // Assess
    expect(result).toBe(fingerprint(withoutBody));
  });

  it("counts an empty base64 body as no body", () => {
    // Prepare
    const withoutBody: RequestIdentity = { ...deposit, body: undefined };

    // Act
    const result = fingerprintOf({ body: "", isBase64Encoded: true });

    // Assess
    expect(result).toBe(fingerprint(withoutBody));
  });

  it("counts a request without a body property as no body", () => {
    // Prepare
    const { body: _body, ...withoutBodyProperty } = deposit;

    // Act
    const result = fingerprint(withoutBodyProperty);

    // Assess
    expect(result).toBe(fingerprintOf({ body: "" }));
  });

  it.each<readonly [string, Partial<RequestIdentity>]>([
    ["a changed value", { body: '{"amount":501,"currency":"EUR"}' }],
    ["a changed string value", { body: '{"amount":500,"currency":"USD"}' }],
    ["a changed letter case in a value", { body: '{"amount":500,"currency":"eur"}' }],
    ["a changed key", { body: '{"Amount":500,"currency":"EUR"}' }],
    ["an added member", { body: '{"amount":500,"currency":"EUR","note":"x"}' }],
    ["a removed member", { body: '{"amount":500}' }],
    [
      "a member set to null instead of left out",
      { body: '{"amount":500,"currency":"EUR","note":null}' },
    ],
    ['the number 500 as the string "500"', { body: '{"amount":"500","currency":"EUR"}' }],
    ["a body wrapped in an array", { body: '[{"amount":500,"currency":"EUR"}]' }],
    ["an empty JSON object", { body: "{}" }],
    ["the JSON text null", { body: "null" }],
    ["no body", { body: undefined }],
    ["a parsed object with another value", { body: { amount: 501, currency: "EUR" } }],
    ["another route", { route: "POST /accounts/{accountId}/withdrawals" }],
    ["another method", { method: "PATCH" }],
    ["another path parameter value", { pathParameters: { accountId: "acc-2" } }],
    ["an added path parameter", { pathParameters: { accountId: "acc-1", entryId: "e-1" } }],
    ["no path parameters", { pathParameters: undefined }],
    ["the path parameter under another name", { pathParameters: { id: "acc-1" } }],
    ["the body as text that is not JSON", { body: "amount=500&currency=EUR" }],
    [
      "another body base64-encoded",
      {
        body: Buffer.from('{"amount":501,"currency":"EUR"}').toString("base64"),
        isBase64Encoded: true,
      },
    ],
  ])("differs from the deposit request for %s", (_name, overrides) => {
    // Prepare
    const original = fingerprintOf();

    // Act
    const changed = fingerprintOf(overrides);

    // Assess
    expect(changed).not.toBe(original);
  });

  it.each<readonly [string, Partial<RequestIdentity>, Partial<RequestIdentity>]>([
    ["arrays in another order", { body: '{"items":[1,2,3]}' }, { body: '{"items":[3,2,1]}' }],
    [
      "arrays of objects in another order",
      { body: '{"items":[{"sku":"A"},{"sku":"B"}]}' },
      { body: '{"items":[{"sku":"B"},{"sku":"A"}]}' },
    ],
    ['the number 1 and the string "1" as bodies', { body: "1" }, { body: '"1"' }],
    ['the number 1 and the string "1" as members', { body: '{"a":1}' }, { body: '{"a":"1"}' }],
    ['true and "true"', { body: '{"a":true}' }, { body: '{"a":"true"}' }],
    ['null and "null"', { body: '{"a":null}' }, { body: '{"a":"null"}' }],
    ["an empty array and an empty object", { body: "[]" }, { body: "{}" }],
    [
      "a path parameter value and the same value in the body",
      { pathParameters: { id: "1" }, body: undefined },
      { pathParameters: {}, body: '{"id":"1"}' },
    ],
    [
      "text that is not JSON and differs by a trailing space",
      { body: "amount=500" },
      { body: "amount=500 " },
    ],
    [
      "text that is not JSON with its parts in another order",
      { body: "amount=500&currency=EUR" },
      { body: "currency=EUR&amount=500" },
    ],
    [
      "text that is not JSON and differs in letter case",
      { body: "hello world" },
      { body: "Hello world" },
    ],
    [
      "text that is not JSON and the same text as a JSON string",
      { body: "hello" },
      { body: '"hello"' },
    ],
    [
      "a base64 body and the same text not base64",
      { body: "aGVsbG8=", isBase64Encoded: true },
      { body: "aGVsbG8=", isBase64Encoded: false },
    ],
    [
      "a base64 body and the same JSON text not base64",
      { body: '{"amount":500}', isBase64Encoded: true },
      { body: '{"amount":500}', isBase64Encoded: false },
    ],
    [
      "two base64 bodies that are not UTF-8 and differ by one byte (compared byte for byte)",
      { body: Buffer.from([0xff, 0xfe, 0x01]).toString("base64"), isBase64Encoded: true },
      { body: Buffer.from([0xff, 0xfe, 0x02]).toString("base64"), isBase64Encoded: true },
    ],
    [
      "a base64 body that is not UTF-8 and its base64 text sent as text",
      { body: Buffer.from([0xff, 0xfe]).toString("base64"), isBase64Encoded: true },
      { body: Buffer.from([0xff, 0xfe]).toString("base64"), isBase64Encoded: false },
    ],
    [
      "a JSON body and a text body that looks like its wrapper",
      { body: '{"text":"abc"}' },
      { body: "abc" },
    ],
    [
      "a __proto__ member with two different values",
      { body: '{"amount":500,"__proto__":{"x":1}}' },
      { body: '{"amount":500,"__proto__":{"x":2}}' },
    ],
    [
      "a body with a __proto__ member and the same body without it",
      { body: '{"amount":500,"__proto__":1}' },
      { body: '{"amount":500}' },
    ],
  ])("differs for %s", (_name, first, second) => {
    // Prepare: two different requests

    // Act
    const fromFirst = fingerprintOf(first);
    const fromSecond = fingerprintOf(second);

    // Assess
    expect(fromSecond).not.toBe(fromFirst);
  });
});
