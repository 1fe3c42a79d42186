import fc from "fast-check";
import * as z from "zod";
import {
  type HttpResponse,
  type IdempotencyStore,
  IdempotencyStrategy,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
  idempotency,
} from "../../../functions/idempotency";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { routeById } from "../../../functions/routes";
import { createHttpHandler } from "../../../functions/shared/http/http-handler";
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from "../../../functions/shared/http/parse-request";
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  renderProblem,
} from "../../../functions/shared/http/problem-details";
import { createObservability } from "../../../functions/shared/observability/create-observability";
import { created, idempotentHandler } from "../../support/idempotent-handler";
import { lambdaContext, restApiEvent, silentLogger } from "../../support/lambda-fixtures";

const NUM_RUNS = 300;
const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
const CALLER = "caller-1";
/** The pk of every record: a digest of the scope, whatever the caller or the key. */
const RECORD_KEY = /^sha256:[A-Za-z0-9_-]{43}$/;

/** The in-memory store, with a log of every call the middleware made to it. */
function spiedStore() {
  const inner = new InMemoryIdempotencyStore();
  const claimedPks: string[] = [];
  let calls = 0;
  const store: IdempotencyStore<InMemoryWrite> = {
    peek: (pk, nowMs) => {
      calls += 1;
      return inner.peek(pk, nowMs);
    },
    commit: (record, nowMs, writes) => {
      calls += 1;
      claimedPks.push(record.pk);
      return inner.commit(record, nowMs, writes);
    },
    claim: (record, nowMs) => {
      calls += 1;
      claimedPks.push(record.pk);
      return inner.claim(record, nowMs);
    },
    advance: (lease, point, writes) => {
      calls += 1;
      return inner.advance(lease, point, writes);
    },
    complete: (lease, response, completedAtMs, writes) => {
      calls += 1;
      return inner.complete(lease, response, completedAtMs, writes);
    },
    release: (lease) => {
      calls += 1;
      return inner.release(lease);
    },
  };
  return { store, inner, claimedPks, calls: () => calls };
}

/**
 * A fresh world per run: store, clock and a handler that counts its
 * executions and commits one effect (a counter) with its answer. Under the
 * commit strategy a duplicate runs the handler's reads again, so "exactly
 * once" is told by the effects, not the executions.
 */
function setup(strategy: IdempotencyStrategy) {
  const spied = spiedStore();
  let effects = 0;
  const effect: InMemoryWrite = { apply: () => (effects += 1) };
  const handler = idempotentHandler<InMemoryWrite>(
    { store: spied.store, strategy, now: () => START_MS, retentionSeconds: 3600 },
    async (_event, context) => {
      const answer = created({ id: "thing-1" });
      return context.idempotency ? context.idempotency.commit([effect], answer) : answer;
    },
  );
  return { ...spied, handler, effects: () => effects };
}

interface Problem {
  readonly type: string;
  readonly status: number;
}

/** Every rejection is an RFC 9457 problem+json whose status matches the answer's. */
function expectProblemJson(response: HttpResponse): Problem {
  expect(response.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
  const problem = JSON.parse(response.body) as Problem;
  expect(problem.status).toBe(response.statusCode);
  expect(problem.type.startsWith(PROBLEM_TYPE_BASE)).toBe(true);
  return problem;
}

const keyRejectionTypes = [
  `${PROBLEM_TYPE_BASE}idempotency-key-invalid`,
  `${PROBLEM_TYPE_BASE}idempotency-key-missing`,
];

const visibleAscii = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
/** A key may not hold a comma: API Gateway joins repeated lines with one. */
const keyChar = visibleAscii.filter((char) => char !== ",");
const validKeyArb = fc.string({ unit: keyChar, minLength: 1, maxLength: 255 });
const controlChar = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f))
  .map((code) => String.fromCharCode(code));
const whitespaceChar = fc.constantFrom(" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u3000");
const anyCodeUnit = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
);

/** Header values from the plainly valid to the adversarial. */
const hostileKeyArb = fc.oneof(
  fc.string({ unit: anyCodeUnit, maxLength: 300 }),
  fc.string({ unit: fc.oneof(visibleAscii, controlChar), maxLength: 40 }),
  fc.string({ unit: visibleAscii, minLength: 250, maxLength: 2_000 }),
  fc.string({ unit: whitespaceChar, maxLength: 6 }),
  fc.constantFrom("", " ", '""', '"', "\\", '"\\"', '"a\\b"', ",", "a,", ",a", '"a",', '"a";x=1'),
  // Structured-field look-alikes: quotes, escapes and what may follow a closing quote.
  fc
    .tuple(
      fc.constantFrom('"', "", " ", '\t"'),
      fc.string({
        unit: fc.oneof(visibleAscii, fc.constantFrom('"', "\\", "\\\\", '\\"', " ", "\u00e9")),
        maxLength: 30,
      }),
      fc.constantFrom('"', "", '" ', '"\t', '",', '" , "x"', '"x', '";a=1', "\\"),
    )
    .map((parts) => parts.join("")),
  // Lists: how API Gateway v2 joins repeated headers.
  fc
    .tuple(
      fc.array(
        fc.oneof(
          validKeyArb,
          validKeyArb.map((key) => `"${key.replace(/["\\]/g, "\\$&")}"`),
        ),
        {
          minLength: 2,
          maxLength: 4,
        },
      ),
      fc.constantFrom(",", ", ", " ,", ",\t"),
    )
    .map(([keys, separator]) => keys.join(separator)),
  validKeyArb,
);

/** The key as a structured-field string (RFC 8941 §3.3.3): only `"` and `\` are escaped. */
const quoted = (key: string) => `"${key.replace(/["\\]/g, "\\$&")}"`;
const optionalWhitespace = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 3 });

async function invoke(
  handler: ReturnType<typeof setup>["handler"],
  key: string | undefined,
  body?: string,
) {
  return handler(
    restApiEvent({ idempotencyKey: key, ...(body !== undefined ? { body } : {}) }),
    lambdaContext(),
  );
}

describe.each(Object.values(IdempotencyStrategy))(
  "hostile input properties (middleware, %s strategy, in-memory store)",
  (strategy) => {
    it("answers any Idempotency-Key value with 201 or a 400 problem, and a rejected key runs and stores nothing", async () => {
      await fc.assert(
        fc.asyncProperty(hostileKeyArb, async (headerValue) => {
          const { handler, calls, claimedPks, inner } = setup(strategy);

          const response = await invoke(handler, headerValue);

          if (response.statusCode >= 400) {
            expect(response.statusCode).toBe(400);
            expect(keyRejectionTypes).toContain(expectProblemJson(response).type);
            expect(handler.executions()).toBe(0);
            expect(calls()).toBe(0);
          } else {
            expect(response.statusCode).toBe(201);
            expect(handler.executions()).toBe(1);
            // Whatever was accepted has no comma and is stored under a bounded digest.
            expect(headerValue.includes(",")).toBe(false);
            expect(claimedPks).toHaveLength(1);
            const pk = claimedPks[0] ?? "";
            expect(pk).toMatch(RECORD_KEY);
            expect(inner.get(pk)?.status).toBe("COMPLETED");
          }
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it("accepts every key of 1-255 visible ASCII characters as a structured-field string", async () => {
      await fc.assert(
        fc.asyncProperty(
          validKeyArb,
          optionalWhitespace,
          optionalWhitespace,
          async (key, lead, trail) => {
            const { handler, inner } = setup(strategy);

            const response = await invoke(handler, `${lead}${quoted(key)}${trail}`);

            expect(response.statusCode).toBe(201);
            expect(handler.executions()).toBe(1);
            expect(inner.get(callerRecordKey(CALLER, key))?.status).toBe("COMPLETED");
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });

    it("accepts bare keys (no opening quote) and takes them for the same key as their quoted form", async () => {
      const bareKeyArb = validKeyArb.filter((key) => !key.startsWith('"'));
      await fc.assert(
        fc.asyncProperty(bareKeyArb, optionalWhitespace, async (key, padding) => {
          const { handler, inner, effects } = setup(strategy);

          const bare = await invoke(handler, `${padding}${key}${padding}`);
          const asQuoted = await invoke(handler, quoted(key));

          expect(bare.statusCode).toBe(201);
          expect(inner.get(callerRecordKey(CALLER, key))?.status).toBe("COMPLETED");
          // One key, two spellings: the second request is a replay.
          expect(asQuoted.statusCode).toBe(201);
          expect(asQuoted.headers["idempotent-replayed"]).toBe("true");
          expect(effects()).toBe(1);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it("refuses any value with a comma, bare or quoted (API Gateway joins repeated lines with commas)", async () => {
      // Two or more parts joined by commas, quoted as a whole or not at all: `"abc` and `def"`.
      const listArb = fc
        .tuple(
          fc.array(fc.string({ unit: visibleAscii, maxLength: 20 }), {
            minLength: 2,
            maxLength: 4,
          }),
          fc.boolean(),
        )
        .map(([parts, wrap]) => (wrap ? `"${parts.join(",")}"` : parts.join(",")));
      await fc.assert(
        fc.asyncProperty(listArb, async (value) => {
          const { handler, calls } = setup(strategy);

          const response = await invoke(handler, value);

          expect(response.statusCode).toBe(400);
          expect(expectProblemJson(response).type).toBe(
            `${PROBLEM_TYPE_BASE}idempotency-key-invalid`,
          );
          expect(handler.executions()).toBe(0);
          expect(calls()).toBe(0);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it("serves any caller a token can name (long, non-ASCII, lone surrogates) under a bounded record key, apart from every other caller", async () => {
      const subjectArb = fc.oneof(
        fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 300 }),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 }),
        fc.string({ unit: visibleAscii, minLength: 1_500, maxLength: 3_000 }),
        fc.integer({ min: 1, max: 800 }).map((count) => "\u00e9".repeat(count)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(subjectArb, { minLength: 2, maxLength: 2 }),
          validKeyArb,
          async ([first = "", second = ""], key) => {
            const { handler, claimedPks, inner, effects } = setup(strategy);
            const as = (sub: string) =>
              handler(restApiEvent({ sub, idempotencyKey: quoted(key) }), lambdaContext());

            const answers = [await as(first), await as(second), await as(first)];

            expect(answers.map((answer) => answer.statusCode)).toEqual([201, 201, 201]);
            // The second caller ran as its own first request; the first one's retry replayed.
            expect(answers.map((answer) => answer.headers["idempotent-replayed"])).toEqual([
              undefined,
              undefined,
              "true",
            ]);
            expect(effects()).toBe(2);
            expect(claimedPks.every((pk) => RECORD_KEY.test(pk))).toBe(true);
            expect(claimedPks[0]).not.toBe(claimedPks[1]);
            expect(inner.get(callerRecordKey(first, key))?.status).toBe("COMPLETED");
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });

    it("never answers a random or malformed body with a 500 (the middleware does not judge bodies)", async () => {
      const jsonText = fc.json({ maxDepth: 6 });
      const bodyArb = fc.oneof(
        jsonText,
        fc.string({ unit: anyCodeUnit, maxLength: 200 }),
        // Truncated or padded JSON: malformed, yet close to valid.
        fc.tuple(jsonText, fc.nat()).map(([text, cut]) => text.slice(0, cut % (text.length + 1))),
        fc
          .tuple(jsonText, fc.constantFrom("}", "]", ",", '"', "\u0000", "NaN"))
          .map((parts) => parts.join("")),
        // Moderate nesting; deep nesting has its own test below.
        fc
          .tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom(["[", "]"], ['{"a":', "}"]))
          .map(([depth, [open, close]]) => `${open.repeat(depth)}1${close.repeat(depth)}`),
      );
      await fc.assert(
        fc.asyncProperty(bodyArb, async (body) => {
          const { handler } = setup(strategy);

          const response = await invoke(handler, "key-1", body);

          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode >= 400) expectProblemJson(response);
          else expect(handler.executions()).toBe(1);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    // Found by this property: canonicalJson used to recurse once per nesting
    // level, so a body nested a few thousand levels deep (about 9 KB, under the
    // API's 64 KB limit) overflowed the stack and was answered 500.
    it("never answers a deeply nested JSON body with a 500", async () => {
      await fc.assert(
        fc.asyncProperty(
          // Well past the stack's limit (about 4 500 to 10 000 levels, depending on the JIT).
          fc.integer({ min: 20_000, max: 50_000 }),
          fc.constantFrom(["[", "]"], ['{"a":', "}"]),
          async (depth, [open, close]) => {
            const { handler } = setup(strategy);

            const response = await invoke(
              handler,
              "key-1",
              `${open.repeat(depth)}1${close.repeat(depth)}`,
            );

            expect(response.statusCode).toBeLessThan(500);
          },
        ),
        { numRuns: 20 },
      );
    });
  },
);

/**
 * A write route wired as the API's are (createHttpHandler: validation, then
 * this layer over the in-memory store), taking any JSON body: what reaches
 * the layer is what the route's validation let through.
 */
function validatedRoute(strategy: IdempotencyStrategy) {
  const spied = spiedStore();
  let effects = 0;
  const effect: InMemoryWrite = { apply: () => (effects += 1) };
  const route = routeById("createDeposit");
  const handler = createHttpHandler({
    route,
    schemas: { body: z.unknown() },
    observability: createObservability("hostile-input-properties"),
    idempotency: idempotency<InMemoryWrite>({
      store: spied.store,
      strategy,
      now: () => START_MS,
      retentionSeconds: 3600,
      logger: silentLogger,
      renderError: renderProblem,
    }),
    handle: async (_request, ports) => ports.commit([effect], { id: "thing-1" }),
    respond: (thing: { id: string }) => created(thing),
  });
  const send = (key: string, body: string) =>
    handler(restApiEvent({ route: route.path, idempotencyKey: key, body }), lambdaContext());
  return { ...spied, send, effects: () => effects };
}

/** One level of nesting: an array, or an object around its member `a`, with or without siblings. */
const levelArb = fc.constantFrom(
  ["[", "]"],
  ["[0,", "]"],
  ['{"a":', "}"],
  ['{"A1E":"3E","a":', "}"],
);
/** What the innermost level holds: digits followed by e in strings, literals that once walked the body. */
const leafArb = fc.constantFrom('"A1E"', '"01HX3E"', "1.0", "1234567890123456", "7", "null");

/** A text nested `depth` levels deep, its levels repeating `pattern`. */
function nestedText(pattern: readonly (readonly [string, string])[], depth: number, leaf: string) {
  const levels = Array.from(
    { length: depth },
    (_, index) => pattern[index % pattern.length] ?? ["[", "]"],
  );
  return `${levels.map(([open]) => open).join("")}${leaf}${levels
    .map(([, close]) => close)
    .reverse()
    .join("")}`;
}

describe.each(Object.values(IdempotencyStrategy))(
  "hostile bodies behind a route's validation (%s strategy, in-memory store)",
  (strategy) => {
    it(`refuses a body nested deeper than ${MAX_JSON_DEPTH} levels with 400 before the layer sees it, and runs the corrected retry`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(levelArb, { minLength: 1, maxLength: 4 }),
          // Just past the limit, and deep enough to overflow any recursion (within 64 KiB).
          fc.oneof(
            fc.integer({ min: MAX_JSON_DEPTH + 1, max: 40 }),
            fc.integer({ min: 4_000, max: 9_000 }),
          ),
          leafArb,
          async (pattern, depth, leaf) => {
            const route = validatedRoute(strategy);

            // As deep as drawn, or as deep as the pattern's longest level fits in 64 KiB.
            const longest = Math.max(...pattern.map(([open, close]) => open.length + close.length));
            const fitting = Math.min(depth, Math.floor((MAX_BODY_BYTES - 32) / longest));

            const refused = await route.send("key-1", nestedText(pattern, fitting, leaf));
            const callsWhenRefused = route.calls();
            const corrected = await route.send("key-1", nestedText(pattern, 3, leaf));

            expect(refused.statusCode).toBe(400);
            expect(expectProblemJson(refused).type).toBe(`${PROBLEM_TYPE_BASE}validation-error`);
            expect(callsWhenRefused).toBe(0);
            expect(corrected.statusCode).toBe(201);
            expect(route.effects()).toBe(1);
          },
        ),
        { numRuns: 60 },
      );
    });

    it("refuses an object that names a member twice, at any depth, with 400 malformed-json before the layer sees it", async () => {
      const nameArb = fc.string({ unit: "grapheme", maxLength: 8 });
      /** The name as JSON writes it, or every code unit escaped: the same name to I-JSON. */
      const spelled = (name: string, escaped: boolean) =>
        escaped
          ? `"${[...Array(name.length).keys()].map((index) => `\\u${name.charCodeAt(index).toString(16).padStart(4, "0")}`).join("")}"`
          : JSON.stringify(name);
      await fc.assert(
        fc.asyncProperty(
          fc.array(levelArb, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 0, max: MAX_JSON_DEPTH - 1 }),
          nameArb,
          fc.boolean(),
          fc.jsonValue({ maxDepth: 2 }),
          async (pattern, depth, name, escaped, value) => {
            const route = validatedRoute(strategy);
            const object = `{${JSON.stringify(name)}:1,${JSON.stringify(`other-${name}`)}:${JSON.stringify(value)},${spelled(name, escaped)}:2}`;

            const refused = await route.send("key-1", nestedText(pattern, depth, object));

            expect(refused.statusCode).toBe(400);
            expect(expectProblemJson(refused).type).toBe(`${PROBLEM_TYPE_BASE}malformed-json`);
            expect(route.calls()).toBe(0);
            expect(route.effects()).toBe(0);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });

    it(`fingerprints and runs every body without repeated names within ${MAX_JSON_DEPTH} levels, never a 500`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(levelArb, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 0, max: MAX_JSON_DEPTH - 1 }),
          leafArb,
          async (pattern, depth, leaf) => {
            const route = validatedRoute(strategy);
            const body = nestedText(pattern, depth, `[${leaf}]`);

            const first = await route.send("key-1", body);
            const replay = await route.send("key-1", body);

            expect(first.statusCode).toBe(201);
            expect(replay.headers["idempotent-replayed"]).toBe("true");
            expect(route.effects()).toBe(1);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });
  },
);
