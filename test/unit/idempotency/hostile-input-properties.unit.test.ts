import fc from "fast-check";
import {
  callerRecordKey,
  type HttpResponse,
  type IdempotencyStore,
  IdempotencyStrategy,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
} from "../../../functions/idempotency";
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from "../../../functions/shared/http/problem";
import { created, idempotentHandler } from "../../support/idempotent-handler";
import { lambdaContext, restApiEvent } from "../../support/lambda-fixtures";

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
