import fc from "fast-check";
import { canonicalJson } from "../../../functions/idempotency/core/fingerprint";
import {
  fingerprint,
  type HttpRequestIdentity as RequestIdentity,
} from "../../../functions/idempotency/http/request-fingerprint";

const NUM_RUNS = 300;

const baseRequest: RequestIdentity = {
  method: "POST",
  route: "POST /accounts/{accountId}/deposits",
  pathParameters: { accountId: "acc-1" },
  body: '{"amount":500,"currency":"EUR"}',
};

/** Any UTF-16 code unit, lone surrogates included (JSON text can carry them as \u escapes). */
const anyCodeUnit = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
);
const jsonValueArb = fc.jsonValue({ maxDepth: 4, stringUnit: anyCodeUnit });

/** Small deterministic PRNG, so a counterexample's layout is reproduced from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The same JSON value as other text: object keys in a random order at every
 * depth and random insignificant whitespace (RFC 8259 §2) between tokens.
 */
function relaidOut(value: fc.JsonValue, random: () => number): string {
  const whitespace = () => {
    let text = "";
    const length = Math.floor(random() * 4);
    for (let index = 0; index < length; index += 1) {
      text += [" ", "\t", "\n", "\r"][Math.floor(random() * 4)];
    }
    return text;
  };
  const write = (node: fc.JsonValue): string => {
    if (node === null || typeof node !== "object") return JSON.stringify(node);
    if (Array.isArray(node)) {
      return `[${whitespace()}${node.map(write).join(`${whitespace()},${whitespace()}`)}${whitespace()}]`;
    }
    const keys = Object.keys(node);
    for (let index = keys.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [keys[index], keys[other]] = [keys[other] as string, keys[index] as string];
    }
    const members = keys.map(
      (key) =>
        `${whitespace()}${JSON.stringify(key)}${whitespace()}:${whitespace()}${write(node[key] as fc.JsonValue)}`,
    );
    return `{${members.join(`${whitespace()},`)}${whitespace()}}`;
  };
  return `${whitespace()}${write(value)}${whitespace()}`;
}

type JsonPath = readonly (string | number)[];

/** Paths to every node of the value, the root included. */
function nodePaths(value: fc.JsonValue, path: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== "object") return [path];
  const children = Array.isArray(value)
    ? value.flatMap((child, index) => nodePaths(child, [...path, index]))
    : Object.keys(value).flatMap((key) => nodePaths(value[key] as fc.JsonValue, [...path, key]));
  return [path, ...children];
}

function nodeAt(value: fc.JsonValue, path: JsonPath): fc.JsonValue {
  let node = value;
  for (const step of path)
    node = (node as Record<string | number, fc.JsonValue>)[step] as fc.JsonValue;
  return node;
}

/** A copy of `value` with the node at `path` replaced (defineProperty: a `__proto__` key stays a key). */
function replacedAt(value: fc.JsonValue, path: JsonPath, replacement: fc.JsonValue): fc.JsonValue {
  if (path.length === 0) return replacement;
  const copy = JSON.parse(JSON.stringify(value)) as fc.JsonValue;
  const parent = nodeAt(copy, path.slice(0, -1)) as object;
  Object.defineProperty(parent, path[path.length - 1] as string | number, {
    value: replacement,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** Equality as JSON means it: key order does not count, and 0 and -0 are one number. */
function jsonEquals(left: fc.JsonValue, right: fc.JsonValue): boolean {
  if (left === null || right === null || typeof left !== "object" || typeof right !== "object") {
    return left === right;
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => jsonEquals(item, right[index] as fc.JsonValue))
    );
  }
  const leftKeys = Object.keys(left);
  return (
    leftKeys.length === Object.keys(right).length &&
    leftKeys.every(
      (key) =>
        Object.hasOwn(right, key) &&
        jsonEquals(left[key] as fc.JsonValue, right[key] as fc.JsonValue),
    )
  );
}

const fingerprintOf = (overrides: Partial<RequestIdentity>) =>
  fingerprint({ ...baseRequest, ...overrides });

/** HTTP method tokens (RFC 9110 tchar), letters included in both cases. */
const methodArb = fc.string({
  unit: fc.constantFrom(
    ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~",
  ),
  minLength: 1,
  maxLength: 10,
});

const pathParametersArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string(), {
  minKeys: 1,
  maxKeys: 4,
  noNullPrototype: true,
});

describe("fingerprint properties", () => {
  it("is the same whatever the key order (at every depth) and whitespace of the JSON body", () => {
    fc.assert(
      fc.property(jsonValueArb, fc.integer(), (value, layoutSeed) => {
        const compact = fingerprintOf({ body: JSON.stringify(value) });
        const relaid = fingerprintOf({ body: relaidOut(value, prng(layoutSeed)) });
        expect(relaid).toBe(compact);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("differs when any value of the JSON body changes to a JSON-different value", () => {
    fc.assert(
      fc.property(jsonValueArb, fc.nat(), jsonValueArb, (value, pathIndex, replacement) => {
        const paths = nodePaths(value);
        const path = paths[pathIndex % paths.length] ?? [];
        fc.pre(!jsonEquals(nodeAt(value, path), replacement));
        const changed = replacedAt(value, path, replacement);

        expect(fingerprintOf({ body: JSON.stringify(changed) })).not.toBe(
          fingerprintOf({ body: JSON.stringify(value) }),
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("differs when the route template changes", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: anyCodeUnit }),
        fc.string({ unit: anyCodeUnit }),
        (route, otherRoute) => {
          fc.pre(route !== otherRoute);
          expect(fingerprintOf({ route: otherRoute })).not.toBe(fingerprintOf({ route }));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("differs when the value of a path parameter changes", () => {
    fc.assert(
      fc.property(
        pathParametersArb,
        fc.nat(),
        fc.string({ unit: anyCodeUnit }),
        (params, which, newValue) => {
          const names = Object.keys(params);
          const name = names[which % names.length] ?? "";
          fc.pre(params[name] !== newValue);
          const changed = { ...params, [name]: newValue };

          expect(fingerprintOf({ pathParameters: changed })).not.toBe(
            fingerprintOf({ pathParameters: params }),
          );
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("is the same whatever the order of the path parameters", () => {
    fc.assert(
      fc.property(pathParametersArb, (params) => {
        const reversed = Object.fromEntries(Object.entries(params).reverse());
        expect(fingerprintOf({ pathParameters: reversed })).toBe(
          fingerprintOf({ pathParameters: params }),
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("differs when the method changes (methods are compared upper-cased)", () => {
    fc.assert(
      fc.property(methodArb, methodArb, (method, otherMethod) => {
        fc.pre(method.toUpperCase() !== otherMethod.toUpperCase());
        expect(fingerprintOf({ method: otherMethod })).not.toBe(fingerprintOf({ method }));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

/** A reference written from RFC 8785's key order, independently of the code under test. */
function referenceCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${referenceCanonical(record[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

describe("canonicalJson against a reference, on every path it takes", () => {
  it("writes what the reference writes for any JSON value (native property-list path)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonical(value));
      }),
      { numRuns: 1_000 },
    );
  });

  it("writes what the reference writes when a key is __proto__ (hand-written path)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const parsed = JSON.parse(`{"__proto__":${JSON.stringify(value)},"b":[{"a":1}]}`);
        expect(canonicalJson(parsed)).toBe(referenceCanonical(parsed));
        expect(canonicalJson(parsed).startsWith('{"__proto__":')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("writes the same text when keys × objects would make a property list quadratic", () => {
    const wide = Array.from({ length: 600 }, (_, index) => ({ [`k${index}`]: index, z: [index] }));

    expect(canonicalJson(wide)).toBe(referenceCanonical(wide));
  });

  it("writes the same text for a value nested deeper than the native writer may go", () => {
    const deep = JSON.parse(`${'{"b":1,"a":'.repeat(400)}0${"}".repeat(400)}`);

    expect(canonicalJson(deep)).toBe(`${'{"a":'.repeat(400)}0${',"b":1}'.repeat(400)}`);
  });
});
