import * as z from "zod";
import {
  matchesEtag,
  parseIfMatch,
  parseJsonBody,
} from "../../../functions/shared/http/parse-request";
import type { HttpProblem } from "../../../functions/shared/http/problem";
import { amountSchema } from "../../../functions/shared/money";

const json = { "content-type": "application/json" };
const depositSchema = z.strictObject({ amount: amountSchema, name: z.string().optional() });

function problemOf(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (error) {
    return error as HttpProblem;
  }
  throw new Error("expected a problem");
}

describe("parseJsonBody", () => {
  it("refuses a base64 body whose bytes are not UTF-8: 400 malformed-json", () => {
    const bytes = Buffer.concat([
      Buffer.from('{"amount":1,"name":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);

    const problem = problemOf(() =>
      parseJsonBody(
        { headers: json, body: bytes.toString("base64"), isBase64Encoded: true },
        depositSchema,
      ),
    );

    expect(problem).toMatchObject({ statusCode: 400, slug: "malformed-json" });
  });

  it("decodes a base64 body that is UTF-8", () => {
    const body = Buffer.from('{"amount":5,"name":"caf\u00e9 \ufffd"}').toString("base64");

    const parsed = parseJsonBody({ headers: json, body, isBase64Encoded: true }, depositSchema);

    expect(parsed).toEqual({ amount: 5, name: "caf\u00e9 \ufffd" });
  });

  it.each(["0.99999999999999999", "4.0000000000000001", "1000000000000.0000000001"])(
    "refuses amount %s, which JSON.parse would round: 400 validation-error at its path",
    (literal) => {
      const problem = problemOf(() =>
        parseJsonBody({ headers: json, body: `{"amount":${literal}}` }, depositSchema),
      );

      expect(problem).toMatchObject({ statusCode: 400, slug: "validation-error" });
      expect(problem.errors).toEqual([
        { path: "amount", message: expect.stringContaining(literal) },
      ]);
    },
  );

  it.each([
    ["1e3", 1000],
    ["1.0", 1],
  ])("accepts %s, exactly the integer %d", (literal, amount) => {
    expect(parseJsonBody({ headers: json, body: `{"amount":${literal}}` }, depositSchema)).toEqual({
      amount,
    });
  });
});

describe("If-Match", () => {
  const ifMatch = (value: string) => parseIfMatch({ headers: { "if-match": value } });

  it.each([
    ['"1"', '"1"', true],
    ['"01"', '"1"', false],
    ['"1a"', '"1"', false],
    ["*", '"7"', true],
  ])("%s against ETag %s matches: %s", (value, etag, expected) => {
    expect(matchesEtag(ifMatch(value), etag)).toBe(expected);
  });

  it.each([['W/"1"'], ["1"], ['"1'], ['"a" , "b"']])(
    "answers %s, which can never match a strong tag, with 412",
    (value) => {
      expect(problemOf(() => ifMatch(value))).toMatchObject({ statusCode: 412 });
    },
  );

  it("answers a missing If-Match with 428", () => {
    expect(problemOf(() => parseIfMatch({ headers: {} }))).toMatchObject({ statusCode: 428 });
  });
});
