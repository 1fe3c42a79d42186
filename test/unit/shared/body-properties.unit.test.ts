import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import * as z from "zod";
import { amountSchema } from "../../../functions/domain/primitives";
import {
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  parseJsonBody,
  type RawHttpRequest,
} from "../../../functions/shared/http/parse-request";
import { HttpProblem } from "../../../functions/shared/http/problem-details";

/** The body as a route reads it (createHttpHandler uses parseJsonBody so). */
const validBody = <T>(request: RawHttpRequest, schema: z.ZodType<T>): T =>
  parseJsonBody(request, schema).body;

const NUM_RUNS = 500;
const json = { "content-type": "application/json" };
const depositSchema = z.strictObject({ amount: amountSchema });
const nameSchema = z.strictObject({ name: z.string() });

/** The body's answer: the parsed value, or the problem it was refused with. */
function outcome<T>(body: string, schema: z.ZodType<T>, isBase64Encoded = false) {
  try {
    return { value: validBody({ headers: json, body, isBase64Encoded }, schema) };
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return { problem: error };
  }
}

const amountArb = fc.integer({ min: 1, max: 1e12 });

describe("hostile body properties (request parsing)", () => {
  it("refuses any body whose bytes are not UTF-8 with 400 malformed-json, and never fails otherwise", () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Valid JSON with invalid bytes spliced into a string.
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.string({ maxLength: 10 }))
        .map(([bad, text]) =>
          Buffer.concat([
            Buffer.from(`{"name":"${text.replace(/["\\]/g, "")}`),
            bad,
            Buffer.from('"}'),
          ]),
        ),
    );
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        const result = outcome(Buffer.from(bytes).toString("base64"), nameSchema, true);

        if (!isUtf8(bytes)) {
          expect(result.problem).toMatchObject({ statusCode: 400, slug: "malformed-json" });
        } else if (result.problem) {
          expect(result.problem.statusCode).toBeLessThan(500);
        } else {
          expect(result.value.name).toBe(JSON.parse(Buffer.from(bytes).toString("utf8")).name);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("refuses every amount literal that JSON.parse would round into an integer", () => {
    const roundingLiteralArb = fc.oneof(
      // Just above an integer: a fraction far below a double's precision.
      fc
        .tuple(amountArb, fc.integer({ min: 17, max: 40 }), fc.integer({ min: 1, max: 9 }))
        .map(([n, zeros, digit]) => `${n}.${"0".repeat(zeros)}${digit}`),
      // Just below the next integer.
      fc
        .tuple(fc.integer({ min: 0, max: 1e12 - 1 }), fc.integer({ min: 17, max: 40 }))
        .map(([n, nines]) => `${n}.${"9".repeat(nines)}`),
    );
    fc.assert(
      fc.property(roundingLiteralArb, (literal) => {
        expect(Number.isInteger(JSON.parse(literal))).toBe(true);

        const result = outcome(`{"amount":${literal}}`, depositSchema);

        expect(result.problem).toMatchObject({ statusCode: 400, slug: "validation-error" });
        expect(result.problem?.errors?.map((error) => error.path)).toEqual(["amount"]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("accepts every exact spelling of an amount as that amount", () => {
    const spellingArb = amountArb.chain((n) => {
      const text = String(n);
      const trailingZeros = text.length - text.replace(/0+$/, "").length;
      const mantissa = text.replace(/0+$/, "");
      return fc.tuple(
        fc.constant(n),
        fc.constantFrom(
          text,
          `${text}.0`,
          `${text}.000`,
          `${text}e0`,
          `${text}0e-1`,
          `${text}00E-2`,
          `${mantissa}e${trailingZeros}`,
          `${mantissa}E+${trailingZeros}`,
          `${text[0]}.${text.slice(1) || "0"}e${text.length - 1}`,
        ),
      );
    });
    fc.assert(
      fc.property(spellingArb, ([amount, literal]) => {
        expect(outcome(`{"amount":${literal}}`, depositSchema)).toEqual({ value: { amount } });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it(`refuses any body nested deeper than ${MAX_JSON_DEPTH} levels with one 400 validation-error, and reads every shallower one as JSON.parse does`, () => {
    const levelArb = fc.constantFrom(
      ["[", "]"],
      ["[true,", "]"],
      ['{"a":', "}"],
      ['{"A1E":"3E","a":', "}"],
    );
    // The literals and strings that once sent a deep body through a recursive walk.
    const leafArb = fc.constantFrom(
      '"A1E"',
      '"01HX3E"',
      "1.0",
      "1234567890123456",
      "-7",
      "[]",
      "{}",
    );
    const depthArb = fc.oneof(
      fc.integer({ min: 0, max: MAX_JSON_DEPTH + 8 }),
      fc.integer({ min: 1_000, max: 30_000 }),
    );
    fc.assert(
      fc.property(
        fc.array(levelArb, { minLength: 1, maxLength: 4 }),
        depthArb,
        leafArb,
        (pattern, depth, leaf) => {
          const levels = Array.from(
            { length: depth },
            (_, index) => pattern[index % pattern.length] ?? ["[", "]"],
          );
          const body = `${levels.map(([open]) => open).join("")}${leaf}${levels
            .map(([, close]) => close)
            .reverse()
            .join("")}`;
          fc.pre(Buffer.byteLength(body) <= MAX_BODY_BYTES);
          const nesting = depth + (leaf === "[]" || leaf === "{}" ? 1 : 0);

          const result = outcome(body, z.unknown());

          if (nesting > MAX_JSON_DEPTH) {
            expect(result.problem).toMatchObject({ statusCode: 400, slug: "validation-error" });
            expect(result.problem?.errors).toEqual([
              {
                path: expect.any(String),
                message: `is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
              },
            ]);
          } else {
            expect(result).toEqual({ value: JSON.parse(body) });
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("refuses any object that names a member twice, however spelled and however deep, with 400 malformed-json", () => {
    /** Every code unit as a `\u` escape: the same name to I-JSON. */
    const escaped = (name: string) =>
      `"${[...Array(name.length).keys()].map((index) => `\\u${name.charCodeAt(index).toString(16).padStart(4, "0")}`).join("")}"`;
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 10 }),
        fc.boolean(),
        fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 40 }),
        (name, spellEscaped, others, depth) => {
          const members = [
            `${JSON.stringify(name)}:1`,
            ...others
              .filter((other) => other !== name)
              .map((other) => `${JSON.stringify(other)}:"${other.length}"`),
            `${spellEscaped ? escaped(name) : JSON.stringify(name)}:500000`,
          ];
          const body = `${"[".repeat(depth)}{${members.join(",")}}${"]".repeat(depth)}`;

          const result = outcome(body, z.unknown());

          expect(result.problem).toMatchObject({ statusCode: 400, slug: "malformed-json" });
          expect(result.problem?.message).toContain(
            "twice; member names must be unique (RFC 7493).",
          );
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("never refuses a body without repeated names for repeating one, whitespace and escapes included", () => {
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { maxDepth: 6 },
        fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ unit: "binary" })),
        tie("array"),
        tie("object"),
      ),
      array: fc.array(tie("value"), { maxLength: 4 }),
      object: fc.dictionary(fc.string({ unit: "binary", maxLength: 6 }), tie("value"), {
        maxKeys: 5,
      }),
    }));
    fc.assert(
      fc.property(value, fc.constantFrom(undefined, 1, "\t", " \r\n "), (json, space) => {
        const body = JSON.stringify(json, null, space);

        expect(outcome(body, z.unknown())).toEqual({ value: JSON.parse(body) });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
