import * as z from "zod";
import { amountSchema } from "../../../functions/domain/primitives";
import {
  expectedVersionOf,
  MAX_JSON_DEPTH,
  parseIfMatch,
  parseJsonBody,
  parseQuery,
  type RawHttpRequest,
} from "../../../functions/shared/http/parse-request";
import type { HttpProblem } from "../../../functions/shared/http/problem-details";
import { etagOf } from "../../../functions/shared/http/responses";

/** The body as a route reads it (createHttpHandler uses parseJsonBody so). */
const validBody = <T>(request: RawHttpRequest, schema: z.ZodType<T>): T =>
  parseJsonBody(request, schema).body;

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
      validBody(
        { headers: json, body: bytes.toString("base64"), isBase64Encoded: true },
        depositSchema,
      ),
    );

    expect(problem).toMatchObject({ statusCode: 400, slug: "malformed-json" });
  });

  it("decodes a base64 body that is UTF-8", () => {
    const body = Buffer.from('{"amount":5,"name":"caf\u00e9 \ufffd"}').toString("base64");

    const parsed = validBody({ headers: json, body, isBase64Encoded: true }, depositSchema);

    expect(parsed).toEqual({ amount: 5, name: "caf\u00e9 \ufffd" });
  });

  it.each(["0.99999999999999999", "4.0000000000000001", "1000000000000.0000000001"])(
    "refuses amount %s, which JSON.parse would round: 400 validation-error at its path",
    (literal) => {
      const problem = problemOf(() =>
        validBody({ headers: json, body: `{"amount":${literal}}` }, depositSchema),
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
    expect(validBody({ headers: json, body: `{"amount":${literal}}` }, depositSchema)).toEqual({
      amount,
    });
  });
});

describe("parseJsonBody: nesting", () => {
  const nested = (depth: number, inner: string) =>
    `${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`;
  const anything = z.unknown();

  it(`accepts ${MAX_JSON_DEPTH} levels of arrays and objects`, () => {
    const body = `[${nested(MAX_JSON_DEPTH - 1, "1")}]`;

    expect(validBody({ headers: json, body }, anything)).toEqual(JSON.parse(body));
  });

  it.each([
    ["a digit and e in a string", '"A1E"'],
    ["a number with a fraction", "1.0"],
    ["16 digits", "1234567890123456"],
    ["a plain integer", "1"],
  ])(
    "refuses a body nested 4,000 levels deep around %s: 400 validation-error at the first level too deep",
    (_name, inner) => {
      const problem = problemOf(() =>
        validBody({ headers: json, body: nested(4_000, inner) }, anything),
      );

      expect(problem).toMatchObject({ statusCode: 400, slug: "validation-error" });
      expect(problem.errors).toEqual([
        {
          path: Array.from({ length: MAX_JSON_DEPTH }, () => "a").join("."),
          message: `is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
        },
      ]);
    },
  );

  it(`refuses ${MAX_JSON_DEPTH + 1} levels of arrays, naming the path of the deepest`, () => {
    const depth = MAX_JSON_DEPTH + 1;
    const body = `${"[".repeat(depth)}${"]".repeat(depth)}`;

    const problem = problemOf(() => validBody({ headers: json, body }, anything));

    expect(problem.errors?.map((error) => error.path)).toEqual([
      Array.from({ length: MAX_JSON_DEPTH }, () => "0").join("."),
    ]);
  });
});

describe("parseJsonBody: member names", () => {
  it.each([
    ['{"amount":1,"amount":500000}', "amount", ""],
    ['{"amount":1,"\\u0061mount":500000}', "amount", ""],
    ['{"amount":1,"name":"x","name":"y"}', "name", ""],
    ['{"amount":1,"name":{"x":[{"k":1,"k":1}]}}', "k", "name.x.0"],
  ])("refuses %s, which names a member twice: 400 malformed-json (I-JSON)", (body, name, at) => {
    const problem = problemOf(() => validBody({ headers: json, body }, depositSchema));

    expect(problem).toMatchObject({ statusCode: 400, slug: "malformed-json" });
    expect(problem.message).toBe(
      `${at === "" ? "The body" : `The object at ${at}`} names the member "${name}" twice; member names must be unique (RFC 7493).`,
    );
  });

  it("accepts the same name in different objects, and a name equal to a string value", () => {
    const body = '[{"a":"a","b":{"a":1}},{"a":2}]';

    expect(validBody({ headers: json, body }, z.unknown())).toEqual(JSON.parse(body));
  });
});

describe("parseQuery", () => {
  const querySchema = z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().min(1).optional(),
  });
  const restQuery = (parameters: Record<string, string[]>) => ({
    queryStringParameters: Object.fromEntries(
      Object.entries(parameters).map(([name, values]) => [name, values.at(-1)]),
    ),
    multiValueQueryStringParameters: parameters,
  });

  it("reads each parameter of a REST API event once", () => {
    expect(parseQuery(restQuery({ limit: ["7"], cursor: ["c"] }), querySchema)).toEqual({
      limit: 7,
      cursor: "c",
    });
    expect(parseQuery({ queryStringParameters: null }, querySchema)).toEqual({ limit: 50 });
  });

  it.each<[Record<string, string[]>, string, number]>([
    [{ limit: ["1", "100"] }, "limit", 2],
    [{ cursor: ["X", "X"] }, "cursor", 2],
    [{ limit: ["5"], cursor: ["a", "b", "c"] }, "cursor", 3],
  ])(
    "refuses %j, a parameter given more than once: 400 validation-error naming it",
    (parameters, name, times) => {
      const problem = problemOf(() => parseQuery(restQuery(parameters), querySchema));

      expect(problem).toMatchObject({ statusCode: 400, slug: "validation-error" });
      expect(problem.errors).toEqual([
        {
          path: name,
          message: `must be given once, not ${times} times`,
        },
      ]);
    },
  );

  it.each(["limit", "cursor"])("refuses an empty %s: 400 validation-error naming it", (name) => {
    const problem = problemOf(() => parseQuery(restQuery({ [name]: [""] }), querySchema));

    expect(problem.errors).toEqual([{ path: name, message: "must not be empty" }]);
  });

  it("refuses an unknown parameter: 400 validation-error naming it", () => {
    const problem = problemOf(() =>
      parseQuery(restQuery({ limit: ["2"], debug: ["1"] }), querySchema),
    );

    expect(problem).toMatchObject({ statusCode: 400, slug: "validation-error" });
    expect(problem.errors).toEqual([{ path: "", message: expect.stringContaining('"debug"') }]);
  });

  it("reads a payload 2.0 event's raw query string, whose parameters join repeats with commas", () => {
    const v2 = (rawQueryString: string) => ({
      rawQueryString,
      queryStringParameters: { limit: "1,100" },
    });

    expect(parseQuery({ rawQueryString: "limit=7&cursor=a%2Cb" }, querySchema)).toEqual({
      limit: 7,
      cursor: "a,b",
    });
    expect(problemOf(() => parseQuery(v2("limit=1&limit=100"), querySchema)).errors).toEqual([
      { path: "limit", message: "must be given once, not 2 times" },
    ]);
    expect(parseQuery({ rawQueryString: "" }, querySchema)).toEqual({ limit: 50 });
    expect(
      problemOf(() => parseQuery({ rawQueryString: "__proto__=1" }, querySchema)),
    ).toMatchObject({ statusCode: 400, slug: "validation-error" });
  });
});

describe("If-Match", () => {
  const ifMatch = (value: string) => parseIfMatch({ headers: { "if-match": value } });

  it.each([
    ['"1"', { version: 1 }],
    ['"42"', { version: 42 }],
    ['"01"', { version: undefined }],
    ['"1a"', { version: undefined }],
    ['"0"', { version: undefined }],
    ["*", { any: true }],
  ])("%s expects %j: strong comparison, only the tag etagOf makes", (value, expected) => {
    expect(expectedVersionOf(ifMatch(value))).toEqual(expected);
  });

  it("expects the version whose ETag it repeats", () => {
    for (const version of [1, 9, 10, 123_456]) {
      expect(expectedVersionOf(ifMatch(etagOf(version)))).toEqual({ version });
    }
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
