import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http";
import type { Context } from "aws-lambda";
import { SignJWT } from "jose";
import { corsPolicy, corsPreflightHeaders } from "../../../functions/shared/http/cors-policy";
import type { GatewayEvent } from "../../../lib/local/gateway/api-gateway-event";
import {
  MAX_GATEWAY_BODY_BYTES,
  type RunningGateway,
  startGateway,
} from "../../../lib/local/gateway/gateway";
import type { GatewayHandler } from "../../../lib/local/gateway/gateway-route";
import { localJwtKey, signLocalToken } from "../../../lib/local/jwt";
import { nowInSeconds, signClaims } from "../../support/jwt-fixtures";
import { deferred, silentLogger } from "../../support/lambda-fixtures";

// The local gateway with small fixture handlers: no DynamoDB involved.

const SECRET = "gateway-tests-secret-of-at-least-32-characters";
const TIMEOUT_MS = 5_000;

interface Echo {
  readonly event: GatewayEvent;
  readonly functionName: string;
  readonly awsRequestId: string;
}

/** Answers with the event and context it received, so tests can look at them. */
const echo: GatewayHandler = async (event, context) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    event,
    functionName: context.functionName,
    awsRequestId: context.awsRequestId,
  }),
});

/** A proxy integration's answer with `value` as its JSON body. */
const jsonAnswer = (value: unknown) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

/** An authenticated route whose calls are counted: a 401 must never reach it. */
const guarded = jest.fn(echo);

/**
 * The gateway's clock, and only it, under the test's control from now on: it
 * stands at `nowMs` until the test moves it (Date: the request time, the
 * Lambda deadline). Timers and I/O run for real.
 */
function fakeTheClock(nowMs: number): void {
  jest.useFakeTimers({
    now: nowMs,
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
  });
}

/** The countdown handler tells when it has read its remaining time, and waits to be let go. */
const countdownStarted = deferred();
const countdownRelease = deferred();

// Parallelism: each handler waits until the other one has started.
const leftStarted = deferred();
const rightStarted = deferred();

const logLines: Array<Record<string, unknown>> = [];
const capturingLogger = {
  info: (message: string, attributes?: Record<string, unknown>) =>
    logLines.push({ level: "info", message, ...attributes }),
  warn: (message: string, attributes?: Record<string, unknown>) =>
    logLines.push({ level: "warn", message, ...attributes }),
  error: (message: string, attributes?: Record<string, unknown>) =>
    logLines.push({ level: "error", message, ...attributes }),
};

let gateway: RunningGateway;
let url: string;

beforeAll(async () => {
  gateway = await startGateway({
    jwtSecret: SECRET,
    functionTimeoutMs: TIMEOUT_MS,
    logger: capturingLogger,
    routes: [
      {
        id: "createPart",
        method: "POST",
        path: "/things/{thingId}/parts",
        authenticated: true,
        handler: echo,
      },
      {
        id: "getThing",
        method: "GET",
        path: "/things/{thingId}",
        authenticated: true,
        handler: echo,
      },
      {
        id: "updateThing",
        method: "PATCH",
        path: "/things/{thingId}",
        authenticated: true,
        handler: echo,
      },
      { id: "guarded", method: "GET", path: "/guarded", authenticated: true, handler: guarded },
      {
        id: "guardedUpload",
        method: "POST",
        path: "/guarded",
        authenticated: true,
        handler: guarded,
      },
      { id: "publicEcho", method: "GET", path: "/public", authenticated: false, handler: echo },
      {
        id: "publicUpload",
        method: "POST",
        path: "/public/uploads",
        authenticated: false,
        handler: echo,
      },
      {
        id: "failing",
        method: "GET",
        path: "/public/failing",
        authenticated: false,
        handler: async () => {
          throw new Error("secret detail: connection string postgres://admin:hunter2@db");
        },
      },
      {
        id: "binaryFile",
        method: "GET",
        path: "/public/file",
        authenticated: false,
        handler: async () => ({
          statusCode: 201,
          headers: { "content-type": "image/png", "x-attempt": 7, "set-cookie": "overridden=1" },
          multiValueHeaders: { "Set-Cookie": ["session=abc; HttpOnly", "theme=dark"] },
          body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]).toString("base64"),
          isBase64Encoded: true,
        }),
      },
      {
        id: "sniffable",
        method: "GET",
        path: "/public/sniffable",
        authenticated: false,
        handler: async () => ({
          statusCode: 200,
          headers: { "content-type": "text/plain", "X-Content-Type-Options": "sniff-away" },
          body: "<script>alert(1)</script>",
        }),
      },
      {
        id: "plainValue",
        method: "GET",
        path: "/public/plain",
        authenticated: false,
        handler: async () => ({ hello: "world" }),
      },
      {
        id: "malformedAnswer",
        method: "GET",
        path: "/public/malformed",
        authenticated: false,
        handler: async () => ({ statusCode: "200", body: "ok" }),
      },
      {
        id: "countdown",
        method: "GET",
        path: "/public/countdown",
        authenticated: false,
        handler: async (_event, context: Context) => {
          const atStart = context.getRemainingTimeInMillis();
          countdownStarted.resolve();
          await countdownRelease.promise;
          return jsonAnswer({ atStart, afterWait: context.getRemainingTimeInMillis() });
        },
      },
      {
        id: "left",
        method: "GET",
        path: "/public/left",
        authenticated: false,
        handler: async () => {
          leftStarted.resolve();
          await rightStarted.promise;
          return jsonAnswer({ side: "left" });
        },
      },
      {
        id: "right",
        method: "GET",
        path: "/public/right",
        authenticated: false,
        handler: async () => {
          rightStarted.resolve();
          await leftStarted.promise;
          return jsonAnswer({ side: "right" });
        },
      },
    ],
  });
  url = gateway.url;
});

afterAll(async () => {
  await gateway.close();
});

async function echoed(response: Response): Promise<Echo> {
  expect(response.status).toBe(200);
  return (await response.json()) as Echo;
}

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * node:http, because fetch merges repeated headers before sending them (an
 * array value is sent as one header line per item). Several chunks are sent
 * with chunked encoding (no Content-Length).
 */
function rawRequest(
  method: string,
  path: string,
  headers: OutgoingHttpHeaders,
  chunks: readonly (string | Buffer)[] = [],
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${url}${path}`, { method, headers }, (incoming) => {
      const received: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => received.push(chunk));
      incoming.on("end", () =>
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          text: Buffer.concat(received).toString("utf8"),
        }),
      );
    });
    outgoing.on("error", reject);
    for (const chunk of chunks) outgoing.write(chunk);
    outgoing.end();
  });
}

/**
 * Sends the headers and only the first bytes of the body, then waits: the
 * answer must come while the rest of the body is still unsent. Resolves once
 * the answer is read and the gateway has closed the connection; the rest of
 * the body is never sent.
 */
function sendPartially(
  path: string,
  headers: OutgoingHttpHeaders,
  firstBytes: Buffer,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // A client that asks to keep the connection: closing it is the gateway's choice.
    const outgoing = httpRequest(`${url}${path}`, {
      method: "POST",
      headers: { connection: "keep-alive", ...headers },
      agent: false,
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      reject(new Error("no answer (or connection still open) while the body was incomplete"));
    }, 2_000);
    let answer: RawAnswer | undefined;
    const settle = () => {
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(new Error("connection closed without an answer"));
    };
    outgoing.on("response", (incoming) => {
      const received: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => received.push(chunk));
      incoming.on("end", () => {
        answer = {
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          text: Buffer.concat(received).toString("utf8"),
        };
      });
    });
    // The body is never finished: this only fires when the gateway hangs up.
    outgoing.on("close", settle);
    outgoing.on("error", () => undefined);
    outgoing.flushHeaders();
    outgoing.write(firstBytes);
  });
}

/**
 * A client that sends `Expect: 100-continue` and its body only once invited
 * by `100 Continue`, as curl does for large uploads.
 */
function sendExpectingContinue(
  path: string,
  headers: OutgoingHttpHeaders,
  body: string,
): Promise<{ readonly invited: boolean; readonly answer: RawAnswer }> {
  return new Promise((resolve, reject) => {
    let invited = false;
    const outgoing = httpRequest(`${url}${path}`, {
      method: "POST",
      headers: {
        expect: "100-continue",
        "content-length": String(Buffer.byteLength(body)),
        ...headers,
      },
      agent: false,
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      reject(new Error("no answer"));
    }, 2_000);
    outgoing.on("continue", () => {
      invited = true;
      outgoing.end(body);
    });
    outgoing.on("response", (incoming) => {
      const received: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => received.push(chunk));
      incoming.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(received).toString("utf8");
        resolve({
          invited,
          answer: { status: incoming.statusCode ?? 0, headers: incoming.headers, text },
        });
        outgoing.destroy();
      });
    });
    outgoing.on("error", () => undefined);
    outgoing.flushHeaders();
  });
}

function rawPost(
  path: string,
  headers: OutgoingHttpHeaders,
  chunks: readonly (string | Buffer)[],
): Promise<RawAnswer> {
  return rawRequest("POST", path, headers, chunks);
}

describe("the event handed to the handler", () => {
  it("is a REST API proxy event (payload 1.0) with resource, decoded parameters and every header line", async () => {
    // Prepare: the gateway's clock stands at a known instant (the gateway
    // started before it was set, so a time read at start-up would differ)
    const receivedAtMs = Date.UTC(2026, 10, 23, 11, 17, 3, 456);
    fakeTheClock(receivedAtMs);
    let answer: RawAnswer;
    try {
      const token = await signLocalToken("alice", SECRET);
      const path = "/things/a%20b%2Fc/parts?x=1&x=2&y=z%21";

      // Act
      answer = await rawPost(
        path,
        {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-repeated": ["one", "two"],
          cookie: ["a=1; b=2", "c=3"],
          "user-agent": "gateway-test",
        },
        ['{"n":1}'],
      );
    } finally {
      jest.useRealTimers();
    }

    // Assess
    expect(answer.status).toBe(200);
    const { event, functionName } = JSON.parse(answer.text) as Echo;
    expect(functionName).toBe("createPart");
    expect(event).toMatchObject({
      resource: "/things/{thingId}/parts",
      path: "/things/a%20b%2Fc/parts",
      httpMethod: "POST",
      queryStringParameters: { x: "2", y: "z!" },
      multiValueQueryStringParameters: { x: ["1", "2"], y: ["z!"] },
      pathParameters: { thingId: "a b/c" },
      stageVariables: null,
      // The stack's binary media type */*: every body as its bytes
      body: Buffer.from('{"n":1}').toString("base64"),
      isBase64Encoded: true,
    });
    expect(event.headers["x-repeated"]).toBe("two");
    expect(event.multiValueHeaders["x-repeated"]).toEqual(["one", "two"]);
    // node:http sends a cookie list as one line, as browsers do
    expect(event.multiValueHeaders.cookie).toEqual(["a=1; b=2; c=3"]);
    expect(event.headers["content-type"]).toBe("application/json");
    expect(event.requestContext).toMatchObject({
      resourcePath: "/things/{thingId}/parts",
      httpMethod: "POST",
      path: "/v1/things/a%20b%2Fc/parts",
      stage: "v1",
      protocol: "HTTP/1.1",
      identity: { sourceIp: "127.0.0.1", userAgent: "gateway-test" },
    });
    // The gateway's clock when the request came in, in API Gateway's two forms
    expect(event.requestContext.requestTime).toBe("23/Nov/2026:11:17:03 +0000");
    expect(event.requestContext.requestTimeEpoch).toBe(receivedAtMs);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps the spelling of header names the client used, as a REST API does", async () => {
    // Act
    const answer = await rawRequest("GET", "/public", { "X-Custom-Header": "1" });

    // Assess
    const { event } = JSON.parse(answer.text) as Echo;
    expect(event.headers["X-Custom-Header"]).toBe("1");
    expect(event.multiValueHeaders["X-Custom-Header"]).toEqual(["1"]);
  });

  it("carries a binary body as base64 with isBase64Encoded", async () => {
    // Prepare
    const bytes = new Uint8Array([0x00, 0xff, 0x01, 0x02]);

    // Act
    const response = await fetch(`${url}/public/uploads`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });

    // Assess
    const { event } = await echoed(response);
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe("AP8BAg==");
  });

  it.each([
    "text/plain; charset=utf-8",
    "application/merge-patch+json",
    "application/x-www-form-urlencoded",
  ])("carries a %s body as its bytes too, base64-encoded", async (contentType) => {
    // Act
    const response = await fetch(`${url}/public/uploads`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: "caf\u00e9=1",
    });

    // Assess
    const { event } = await echoed(response);
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? "", "base64").toString("utf8")).toBe("caf\u00e9=1");
  });

  it.each([
    ["bytes that are never UTF-8", [0xff, 0xfe]],
    ["an encoded lone surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xc3]],
    ["an overlong encoding of /", [0xc0, 0xaf]],
  ])(
    "carries a JSON body that is not UTF-8 (%s) as its exact bytes, base64-encoded",
    async (_name, invalid) => {
      // Prepare: {"name":"<invalid>"}
      const bytes = Buffer.concat([
        Buffer.from('{"name":"'),
        Buffer.from(invalid),
        Buffer.from('"}'),
      ]);

      // Act
      const response = await fetch(`${url}/public/uploads`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: bytes,
      });

      // Assess: nothing replaced by U+FFFD, the handler decides
      const { event } = await echoed(response);
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? "", "base64")).toEqual(bytes);
    },
  );

  it("has null body, query and path parameters when the request has none", async () => {
    // Act
    const { event } = await echoed(await fetch(`${url}/public`));

    // Assess
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
  });

  it("gives the request id to the event and to the x-amzn-RequestId response header", async () => {
    // Act
    const response = await fetch(`${url}/public`);

    // Assess
    const { event, awsRequestId } = await echoed(response);
    expect(response.headers.get("x-amzn-requestid")).toBe(event.requestContext.requestId);
    expect(awsRequestId).toEqual(expect.any(String));
    expect(awsRequestId).not.toBe(event.requestContext.requestId);
  });
});

describe("authentication", () => {
  beforeEach(() => guarded.mockClear());

  it("answers 401 with WWW-Authenticate: Bearer when no token is sent, without calling the handler", async () => {
    // Act
    const response = await fetch(`${url}/guarded`);

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as { type: string; status: number };
    expect(problem.type).toMatch(/\/problems\/unauthorized$/);
    expect(problem.status).toBe(401);
    expect(guarded).not.toHaveBeenCalled();
  });

  it("answers 401 with a plain Bearer challenge for another scheme than Bearer", async () => {
    // Act
    const response = await fetch(`${url}/guarded`, {
      headers: { authorization: "Basic YWxpY2U6c2VjcmV0" },
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(guarded).not.toHaveBeenCalled();
  });

  it.each([
    ["a token that is not a JWT", async () => "not-a-jwt"],
    ["a token signed with another secret", () => signLocalToken("alice", "x".repeat(40))],
    ["an expired token", () => signLocalToken("alice", SECRET, { ttlSeconds: -60 })],
    [
      "a token without sub",
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setExpirationTime("1h")
          .sign(localJwtKey(SECRET)),
    ],
    [
      "a token without exp",
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("alice")
          .sign(localJwtKey(SECRET)),
    ],
  ])('answers 401 with error="invalid_token" for %s', async (_name, makeToken) => {
    // Prepare
    const token = await makeToken();

    // Act
    const response = await fetch(`${url}/things/t-1`, {
      headers: { authorization: `Bearer ${token}` },
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    const problem = (await response.json()) as { type: string };
    expect(problem.type).toMatch(/\/problems\/unauthorized$/);
    expect(guarded).not.toHaveBeenCalled();
  });

  it.each([
    [
      "two valid tokens of different callers",
      async () => [await signLocalToken("alice", SECRET), await signLocalToken("mallory", SECRET)],
    ],
    [
      "the same valid token twice",
      async () => {
        const token = await signLocalToken("alice", SECRET);
        return [token, token];
      },
    ],
    ["a valid token and a bad one", async () => [await signLocalToken("alice", SECRET), "bad"]],
  ])(
    'answers 401 with error="invalid_token" for two Authorization header lines: %s',
    async (_name, makeTokens) => {
      // Prepare
      const tokens = await makeTokens();

      // Act: node:http sends one header line per array item (the typings
      // allow an array only under a name they do not know in lower case)
      const answer = await rawRequest("GET", "/guarded", {
        Authorization: tokens.map((token) => `Bearer ${token}`),
      });

      // Assess
      expect(answer.status).toBe(401);
      expect(answer.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      expect((JSON.parse(answer.text) as { type: string }).type).toMatch(
        /\/problems\/unauthorized$/,
      );
      expect(guarded).not.toHaveBeenCalled();
    },
  );

  it.each([
    ["a declared Content-Length", { "content-length": String(5 * 1024 * 1024) }],
    ["a chunked body", {}],
  ])(
    "answers 401 to a request without a token before reading its body (%s), and closes the connection",
    async (_name, framing) => {
      // Act: 1 KiB of a 5 MiB body, the rest never sent
      const answer = await sendPartially(
        "/guarded",
        { "content-type": "application/octet-stream", ...framing },
        Buffer.alloc(1024),
      );

      // Assess
      expect(answer.status).toBe(401);
      expect(answer.headers["www-authenticate"]).toBe("Bearer");
      expect(answer.headers.connection).toBe("close");
      expect(guarded).not.toHaveBeenCalled();
    },
  );

  it.each([
    ["another issuer", { iss: "https://someone-else.example.com" }],
    ["no issuer", { iss: undefined }],
    ["another audience", { aud: "another-api" }],
    ["no audience", { aud: undefined }],
    ["an iat in the future", { iat: nowInSeconds() + 120 }],
    ["an nbf in the future", { nbf: nowInSeconds() + 120 }],
    ["an exp of 1e300", { exp: 1e300 }],
    ["an exp after the year 9999", { exp: 253_402_300_800 }],
    ["an exp that is not an integer", { exp: nowInSeconds() + 3600.5 }],
  ])('answers 401 with error="invalid_token" for a token with %s', async (_name, overrides) => {
    // Prepare
    const token = await signClaims(SECRET, overrides);

    // Act
    const response = await fetch(`${url}/guarded`, {
      headers: { authorization: `Bearer ${token}` },
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(guarded).not.toHaveBeenCalled();
  });

  it("accepts a token for the issuer and audience it is configured with, and no other", async () => {
    // Prepare
    const configured = await startGateway({
      jwtSecret: SECRET,
      jwtIssuer: "https://issuer.example.com",
      jwtAudience: "orders-api",
      functionTimeoutMs: TIMEOUT_MS,
      logger: silentLogger,
      routes: [
        { id: "guarded", method: "GET", path: "/guarded", authenticated: true, handler: echo },
      ],
    });
    const get = async (claims: Record<string, unknown>) => {
      const token = await signClaims(SECRET, claims);
      const response = await fetch(`${configured.url}/guarded`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return response.status;
    };

    try {
      // Act
      const statuses = {
        configured: await get({ iss: "https://issuer.example.com", aud: "orders-api" }),
        audienceAmongOthers: await get({
          iss: "https://issuer.example.com",
          aud: ["other", "orders-api"],
        }),
        defaults: await get({}),
      };

      // Assess
      expect(statuses).toEqual({ configured: 200, audienceAmongOthers: 200, defaults: 401 });
    } finally {
      await configured.close();
    }
  });

  it("does not invite the body (100 Continue) of a request without a valid token", async () => {
    // Act
    const { invited, answer } = await sendExpectingContinue(
      "/guarded",
      { "content-type": "application/json" },
      '{"n":1}',
    );

    // Assess
    expect(answer.status).toBe(401);
    expect(invited).toBe(false);
    expect(guarded).not.toHaveBeenCalled();
  });

  it("invites the body (100 Continue) of a request with a valid token, and hands it over", async () => {
    // Prepare
    const token = await signLocalToken("alice", SECRET);

    // Act
    const { invited, answer } = await sendExpectingContinue(
      "/guarded",
      { authorization: `Bearer ${token}`, "content-type": "application/json" },
      '{"n":1}',
    );

    // Assess
    expect(invited).toBe(true);
    expect(answer.status).toBe(200);
    const { body } = (JSON.parse(answer.text) as Echo).event;
    expect(Buffer.from(body ?? "", "base64").toString("utf8")).toBe('{"n":1}');
  });

  it("puts the verified claims where the REST API's Cognito authorizer puts them, as strings", async () => {
    // Prepare
    const token = await signLocalToken("alice", SECRET);

    // Act
    const response = await fetch(`${url}/things/t-1`, {
      headers: { authorization: `Bearer ${token}` },
    });

    // Assess
    const { event } = await echoed(response);
    const claims = event.requestContext.authorizer?.claims as Record<string, unknown>;
    expect(claims.sub).toBe("alice");
    expect(claims.iss).toBe("local");
    expect(claims.aud).toBe("payments-api");
    expect(typeof claims.exp).toBe("string");
  });

  it("lets a request reach an unauthenticated route without a token, and gives it no authorizer", async () => {
    // Act
    const response = await fetch(`${url}/public`);

    // Assess
    const { event } = await echoed(response);
    expect("authorizer" in event.requestContext).toBe(false);
  });
});

describe("routing", () => {
  it("answers 404 not-found for a path no route has", async () => {
    // Act
    const response = await fetch(`${url}/nowhere/to/go`);

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(((await response.json()) as { type: string }).type).toMatch(/\/problems\/not-found$/);
  });

  it("answers 405 method-not-allowed with Allow for a known path and another method", async () => {
    // Act
    const response = await fetch(`${url}/things/t-1`, { method: "DELETE" });

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, PATCH, OPTIONS");
    expect(((await response.json()) as { type: string }).type).toMatch(
      /\/problems\/method-not-allowed$/,
    );
  });

  it("answers 413 payload-too-large for a streamed body that grows over 10 MB", async () => {
    // Prepare
    const chunk = Buffer.alloc(1024 * 1024);
    const chunks = Array.from({ length: 11 }, () => chunk);

    // Act
    const answer = await rawPost(
      "/public/uploads",
      { "content-type": "application/octet-stream" },
      chunks,
    );

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect((JSON.parse(answer.text) as { type: string }).type).toMatch(
      /\/problems\/payload-too-large$/,
    );
  });

  it("answers 413 to an authorized request declaring a body over 10 MB without reading it, and closes the connection", async () => {
    // Prepare
    const token = await signLocalToken("alice", SECRET);

    // Act
    const answer = await sendPartially(
      "/guarded",
      {
        authorization: `Bearer ${token}`,
        "content-type": "application/octet-stream",
        "content-length": String(MAX_GATEWAY_BODY_BYTES + 1),
      },
      Buffer.alloc(1024),
    );

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe("close");
    expect(guarded).not.toHaveBeenCalled();
  });

  it("does not invite (100 Continue) a body declared over 10 MB", async () => {
    // Prepare
    const token = await signLocalToken("alice", SECRET);

    // Act
    const { invited, answer } = await sendExpectingContinue(
      "/guarded",
      {
        authorization: `Bearer ${token}`,
        "content-type": "application/octet-stream",
        "content-length": String(MAX_GATEWAY_BODY_BYTES + 1),
      },
      "never sent",
    );

    // Assess
    expect(answer.status).toBe(413);
    expect(invited).toBe(false);
  });

  it("answers 413 payload-too-large for a body over API Gateway's 10 MB", async () => {
    // Prepare
    const body = new Uint8Array(MAX_GATEWAY_BODY_BYTES + 1);

    // Act
    const response = await fetch(`${url}/public/uploads`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body,
    });

    // Assess
    expect(response.status).toBe(413);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(((await response.json()) as { type: string }).type).toMatch(
      /\/problems\/payload-too-large$/,
    );
  });
});

describe("invocation", () => {
  it("answers 500 internal-error without details when the handler throws", async () => {
    // Act
    const response = await fetch(`${url}/public/failing`);

    // Assess
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal error" });
    expect((JSON.parse(text) as { type: string }).type).toMatch(/\/problems\/internal-error$/);
    expect(text).not.toMatch(/secret|hunter2|Error:|at /);
  });

  it("gives the handler a remaining time that counts down from the function timeout", async () => {
    // Prepare: the gateway's clock stands still until the test moves it
    const invokedAtMs = Date.UTC(2026, 10, 23, 12, 0, 0);
    fakeTheClock(invokedAtMs);
    let remaining: { atStart: number; afterWait: number };
    try {
      // Act: 150 ms pass on the gateway's clock while the handler runs
      const answering = fetch(`${url}/public/countdown`);
      await countdownStarted.promise;
      jest.setSystemTime(invokedAtMs + 150);
      countdownRelease.resolve();
      const response = await answering;
      expect(response.status).toBe(200);
      remaining = (await response.json()) as typeof remaining;
    } finally {
      jest.useRealTimers();
    }

    // Assess
    expect(remaining).toEqual({ atStart: TIMEOUT_MS, afterWait: TIMEOUT_MS - 150 });
  });

  it("runs requests in parallel: two handlers that each wait for the other both answer", async () => {
    // Act
    const [left, right] = await Promise.all([
      fetch(`${url}/public/left`),
      fetch(`${url}/public/right`),
    ]);

    // Assess
    expect([left.status, right.status]).toEqual([200, 200]);
    expect(await left.json()).toEqual({ side: "left" });
    expect(await right.json()).toEqual({ side: "right" });
  });

  it("answers 504 gateway-timeout when the handler outlives the timeout, and drops its late answer", async () => {
    // Prepare
    const started = deferred();
    const release = deferred();
    const finished = deferred<string>();
    let handlerDone = false;
    const slow = await startGateway({
      jwtSecret: SECRET,
      functionTimeoutMs: 200,
      logger: silentLogger,
      routes: [
        {
          id: "slow",
          method: "GET",
          path: "/slow",
          authenticated: false,
          handler: async () => {
            started.resolve();
            await release.promise;
            handlerDone = true;
            finished.resolve("late answer");
            return { statusCode: 200, body: "late answer" };
          },
        },
      ],
    });
    // The gateway's timers and clock move only when the test moves them; I/O runs for real.
    jest.useFakeTimers({
      doNotFake: ["hrtime", "nextTick", "performance", "queueMicrotask", "setImmediate"],
    });

    try {
      // Act: the handler is running (and will not finish by itself)
      let answered = false;
      const answering = fetch(`${slow.url}/slow`).then(async (response) => {
        answered = true;
        return { response, text: await response.text() };
      });
      await started.promise;
      await jest.advanceTimersByTimeAsync(199);
      const answeredOneMillisecondBefore = answered;
      await jest.advanceTimersByTimeAsync(1);
      const { response, text } = await answering;

      // Assess: nothing was answered before the timeout; at it, a 504 while
      // the handler is still running
      expect(answeredOneMillisecondBefore).toBe(false);
      expect(response.status).toBe(504);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect((JSON.parse(text) as { type: string }).type).toMatch(/\/problems\/gateway-timeout$/);
      expect(handlerDone).toBe(false);

      // ... and the zombie still finishes, in the background
      release.resolve();
      await expect(finished.promise).resolves.toBe("late answer");
      expect(handlerDone).toBe(true);
      expect(text).not.toContain("late answer");
    } finally {
      jest.useRealTimers();
      await slow.close();
    }
  });
});

describe("the answer", () => {
  it("decodes a base64 body and sends every multiValueHeaders line, over headers of the same name", async () => {
    // Act
    const response = await fetch(`${url}/public/file`);

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("x-attempt")).toBe("7");
    expect(response.headers.getSetCookie()).toEqual(["session=abc; HttpOnly", "theme=dark"]);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]),
    );
  });

  it("answers 500 internal-error for a result without statusCode, a malformed proxy response to a REST API", async () => {
    // Act
    const response = await fetch(`${url}/public/plain`);

    // Assess
    expect(response.status).toBe(500);
    expect(((await response.json()) as { type: string }).type).toMatch(
      /\/problems\/internal-error$/,
    );
  });

  it("answers 500 internal-error when the handler's response is malformed", async () => {
    // Act
    const response = await fetch(`${url}/public/malformed`);

    // Assess
    expect(response.status).toBe(500);
    expect(((await response.json()) as { type: string }).type).toMatch(
      /\/problems\/internal-error$/,
    );
  });
});

describe("X-Content-Type-Options", () => {
  it.each([
    ["the gateway's 401", "/guarded", 401],
    ["the gateway's 404", "/nowhere", 404],
    ["the gateway's 405", "/public/plain", 405, "DELETE"],
    ["the gateway's 500 for a handler that threw", "/public/failing", 500],
    ["the gateway's 500 for a malformed handler response", "/public/malformed", 500],
    ["a handler's answer", "/public/file", 201],
    ["the gateway's 500 for a result without statusCode", "/public/plain", 500],
  ])("is nosniff on %s", async (_name, path, status, method = "GET") => {
    // Act
    const response = await fetch(`${url}${path}`, { method });

    // Assess
    expect(response.status).toBe(status);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it.each([
    ["the gateway's 401", "/guarded", 401],
    ["the gateway's 404", "/nowhere", 404],
    ["the gateway's 405", "/public/plain", 405, "DELETE"],
    ["the gateway's 500 for a handler that threw", "/public/failing", 500],
  ])(
    "marks %s no-store: no cache may keep an error",
    async (_name, path, status, method = "GET") => {
      // Act
      const response = await fetch(`${url}${path}`, { method });

      // Assess
      expect(response.status).toBe(status);
      expect(response.headers.get("cache-control")).toBe("no-store");
    },
  );

  it("stays nosniff whatever the handler sets: a handler cannot turn sniffing back on", async () => {
    // Act
    const response = await fetch(`${url}/public/sniffable`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("CORS", () => {
  it("answers a preflight (OPTIONS) with the policy's methods, headers and max age, without a token or a handler", async () => {
    // Act
    const response = await fetch(`${url}/things/t-1`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "PATCH",
        "access-control-request-headers": "authorization, if-match",
      },
    });

    // Assess: what the stack's OPTIONS mock integrations send for the same policy
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject(
      corsPreflightHeaders(corsPolicy(), "https://app.example.com", ["GET", "PATCH"]),
    );
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, PATCH, OPTIONS");
    expect(response.headers.get("access-control-allow-headers")).toContain("idempotency-key");
    expect(response.headers.get("access-control-max-age")).toBe("3600");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("answers 404 to a preflight for a path no route has", async () => {
    // Act
    const response = await fetch(`${url}/nowhere`, { method: "OPTIONS" });

    // Assess
    expect(response.status).toBe(404);
  });

  it("allows only the configured origins, echoing an allowed one", async () => {
    // Prepare
    const strict = await startGateway({
      jwtSecret: SECRET,
      functionTimeoutMs: TIMEOUT_MS,
      logger: silentLogger,
      cors: corsPolicy(["https://a.example.com", "https://b.example.com"]),
      routes: [
        { id: "publicEcho", method: "GET", path: "/public", authenticated: false, handler: echo },
      ],
    });
    const preflight = (origin: string) =>
      fetch(`${strict.url}/public`, { method: "OPTIONS", headers: { origin } });

    try {
      // Act
      const allowed = await preflight("https://b.example.com");
      const other = await preflight("https://evil.example.com");

      // Assess
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://b.example.com");
      expect(allowed.headers.get("vary")).toBe("origin");
      expect(other.status).toBe(204);
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await strict.close();
    }
  });

  it("lets a browser read the gateway's own answers when any origin is allowed", async () => {
    // Act
    const response = await fetch(`${url}/guarded`, {
      headers: { origin: "https://app.example.com" },
    });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")).toContain("retry-after");
  });
});

describe("the request log", () => {
  it("says why a token was refused, without the token", async () => {
    // Prepare
    const token = await signClaims(SECRET, { aud: "another-api" });

    // Act
    const response = await fetch(`${url}/guarded`, {
      headers: { authorization: `Bearer ${token}` },
    });

    // Assess
    const requestId = response.headers.get("x-amzn-requestid");
    const line = logLines.find((candidate) => candidate.requestId === requestId);
    expect(line).toMatchObject({
      status: 401,
      outcome: expect.stringMatching(/^unauthorized: .*aud/),
    });
    expect(JSON.stringify(logLines)).not.toContain(token);
  });

  it("writes one line per request with method, route, status, duration and request id, never the token or the body", async () => {
    // Prepare
    const token = await signLocalToken("alice", SECRET);

    // Act
    const response = await fetch(`${url}/things/t-9/parts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: '{"secretBodyField":"do-not-log"}',
    });

    // Assess
    const requestId = response.headers.get("x-amzn-requestid");
    const lines = logLines.filter((line) => line.requestId === requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      message: "request",
      method: "POST",
      routeId: "createPart",
      status: 200,
      durationMs: expect.any(Number),
    });
    const everything = JSON.stringify(logLines);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain("do-not-log");
  });
});
