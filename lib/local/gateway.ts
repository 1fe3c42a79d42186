import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  Context,
} from "aws-lambda";
import { jwtVerify } from "jose";
import {
  HttpProblem,
  internalError,
  type ProblemLike,
  renderProblem,
} from "../../functions/shared/http/problem";
import { createLogger, type Logger } from "../../functions/shared/logger";

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0, JWT
 * authorizer) in front of one Lambda per route: it turns each HTTP request
 * into the event API Gateway would send, calls the route's handler with a
 * Lambda-like context and turns the result back into HTTP, the way API
 * Gateway does. No npm package does this faithfully without Docker or the
 * Serverless Framework (see the toolchain notes).
 */

/** API Gateway's own payload limit; the app's 64 KiB limit is the handlers' job. */
export const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

/** What a handler receives: with the JWT authorizer's context on authenticated routes. */
export type GatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;
export type GatewayHandler = (event: GatewayEvent, context: Context) => Promise<unknown>;

export interface GatewayRoute {
  /** The function's name (`context.functionName`) and the route id in logs. */
  readonly id: string;
  readonly method: string;
  /** API Gateway path template, such as `/accounts/{accountId}/deposits`. */
  readonly path: string;
  /** Behind the JWT authorizer. */
  readonly authenticated: boolean;
  readonly handler: GatewayHandler;
}

export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  /** HS256 secret the bearer tokens are signed with. */
  readonly jwtSecret: string;
  /** Lambda's timeout: past it the gateway answers 504. */
  readonly functionTimeoutMs: number;
  /** @default 0, a free port chosen by the OS */
  readonly port?: number;
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const HOST = "127.0.0.1";
const ACCOUNT_ID = "123456789012";
const API_ID = "local";
const TEXTUAL_CONTENT_TYPE =
  /^\s*(?:text\/[^;\s]+|application\/(?:[\w.+-]+\+)?(?:json|xml)|application\/(?:javascript|x-www-form-urlencoded))\s*(?:;.*)?$/i;
// API Gateway owns the framing of its answers; a handler cannot set these.
const HOP_BY_HOP_HEADERS = new Set([
  "connection",
  "content-length",
  "keep-alive",
  "transfer-encoding",
]);

// ---------------------------------------------------------------- routing

type Segment = { readonly literal: string } | { readonly parameter: string };

interface CompiledRoute {
  readonly route: GatewayRoute;
  readonly method: string;
  readonly routeKey: string;
  readonly segments: readonly Segment[];
}

function compileRoute(route: GatewayRoute): CompiledRoute {
  if (!route.path.startsWith("/")) throw new Error(`Route ${route.id}: path must start with /`);
  const segments = route.path
    .slice(1)
    .split("/")
    .map((segment): Segment => {
      const parameter = /^\{(\w+)\}$/.exec(segment)?.[1];
      return parameter ? { parameter } : { literal: segment };
    });
  const method = route.method.toUpperCase();
  return { route, method, routeKey: `${method} ${route.path}`, segments };
}

/** API Gateway prefers the most specific route: a literal segment beats a parameter. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const rank = (segment: Segment | undefined) => (segment && "parameter" in segment ? 1 : 0);
  for (let index = 0; index < Math.min(a.segments.length, b.segments.length); index += 1) {
    const difference = rank(a.segments[index]) - rank(b.segments[index]);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The decoded path parameters when the template matches, else undefined. */
function matchPath(
  segments: readonly Segment[],
  pathSegments: readonly string[],
): Record<string, string> | undefined {
  if (segments.length !== pathSegments.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const actual = pathSegments[index] ?? "";
    if ("literal" in segment) {
      if (segment.literal !== actual) return undefined;
      continue;
    }
    if (actual === "") return undefined;
    try {
      parameters[segment.parameter] = decodeURIComponent(actual);
    } catch {
      return undefined; // malformed percent-encoding identifies no resource
    }
  }
  return parameters;
}

// ---------------------------------------------------------------- request

type BodyResult =
  | { readonly kind: "body"; readonly bytes: Buffer }
  | { readonly kind: "too-large" };

/** Reads at most `limit` bytes; the rest of an oversized body is drained, not kept. */
function readBody(request: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(request.headers["content-length"]);
  // Node drains the unread body once the answer is sent, keeping the connection usable.
  if (declared > limit) return Promise.resolve({ kind: "too-large" });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) resolve({ kind: "too-large" });
      else chunks.push(chunk);
    });
    request.once("end", () => resolve({ kind: "body", bytes: Buffer.concat(chunks) }));
    request.once("error", reject);
  });
}

function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const queryAt = url.indexOf("?");
  return queryAt === -1
    ? { rawPath: url, rawQueryString: "" }
    : { rawPath: url.slice(0, queryAt), rawQueryString: url.slice(queryAt + 1) };
}

/** Repeated parameters are joined with a comma, as API Gateway does. */
function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === "") return undefined;
  const joined = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = joined.get(name);
    joined.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  // fromEntries keeps a parameter named __proto__ as data, as JSON.parse on AWS would.
  return joined.size > 0 ? Object.fromEntries(joined) : undefined;
}

/** API Gateway's `requestContext.time`: `23/Nov/2026:11:17:03 +0000`. */
function apiGatewayTime(date: Date): string {
  const [, day, month, year, time] = date.toUTCString().split(" ");
  return `${day}/${month}/${year}:${time} +0000`;
}

/** The shape of API Gateway's HTTP API request ids, such as `JKJaXmPLvHcESHA=`. */
function newRequestId(): string {
  return randomBytes(11).toString("base64");
}

interface Authorization {
  readonly ok: true;
  readonly authorizer: APIGatewayEventRequestContextJWTAuthorizer;
}
interface Rejection {
  readonly ok: false;
  readonly tokenSent: boolean;
}

/** API Gateway hands claims over as strings; arrays look like `[a b]`. */
function claimAsString(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map(claimAsString).join(" ")}]`;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const { scope, scp } = claims;
  if (typeof scope === "string") return scope.split(" ").filter((item) => item !== "");
  if (Array.isArray(scp)) return scp.filter((item): item is string => typeof item === "string");
  return [];
}

async function authorize(
  header: string | undefined,
  key: Uint8Array,
): Promise<Authorization | Rejection> {
  const match = /^Bearer\s+(.*)$/i.exec(header ?? "");
  const token = match?.[1]?.trim() ?? "";
  if (token === "") return { ok: false, tokenSent: false };
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      requiredClaims: ["exp", "sub"],
    });
    if (typeof payload.sub !== "string" || payload.sub === "") {
      return { ok: false, tokenSent: true };
    }
    const claims = Object.fromEntries(
      Object.entries(payload).map(([name, value]) => [name, claimAsString(value)]),
    );
    return {
      ok: true,
      authorizer: {
        principalId: "",
        integrationLatency: 0,
        jwt: { claims, scopes: scopesOf(payload) },
      },
    };
  } catch {
    // Bad signature, expired, malformed: all the same to the caller.
    return { ok: false, tokenSent: true };
  }
}

interface EventInput {
  readonly request: IncomingMessage;
  readonly compiled: CompiledRoute;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly pathParameters: Record<string, string>;
  readonly body: Buffer;
  readonly requestId: string;
  readonly receivedAt: Date;
  readonly authorizer: APIGatewayEventRequestContextJWTAuthorizer | undefined;
}

function buildEvent(input: EventInput): GatewayEvent {
  const { request, compiled, body, receivedAt } = input;
  const sourceIp = (request.socket.remoteAddress ?? HOST).replace(/^::ffff:/, "");
  // API Gateway adds these; values the client sent itself are kept.
  const joinedHeaders = new Map<string, string>([
    ["x-forwarded-for", sourceIp],
    ["x-forwarded-proto", "http"],
    ["x-forwarded-port", String(request.socket.localPort ?? "")],
  ]);
  const cookies: string[] = [];
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (!values) continue;
    // API Gateway moves cookies out of the headers into `cookies`.
    if (name === "cookie") {
      for (const value of values) {
        cookies.push(...value.split(";").map((cookie) => cookie.trim()));
      }
      continue;
    }
    // Repeated headers are joined with a comma, as API Gateway does.
    joinedHeaders.set(name, values.join(","));
  }
  const headers: Record<string, string> = Object.fromEntries(joinedHeaders);

  const domainName = (headers.host ?? HOST).replace(/:\d+$/, "");
  const textual = TEXTUAL_CONTENT_TYPE.test(headers["content-type"] ?? "");
  const queryStringParameters = queryParameters(input.rawQueryString);
  const nonEmptyCookies = cookies.filter((cookie) => cookie !== "");
  const requestContext = {
    accountId: ACCOUNT_ID,
    apiId: API_ID,
    domainName,
    domainPrefix: domainName.split(".")[0] ?? domainName,
    http: {
      method: compiled.method,
      path: input.rawPath,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp,
      userAgent: headers["user-agent"] ?? "",
    },
    requestId: input.requestId,
    routeKey: compiled.routeKey,
    stage: "$default",
    time: apiGatewayTime(receivedAt),
    timeEpoch: receivedAt.getTime(),
    ...(input.authorizer ? { authorizer: input.authorizer } : {}),
  };
  return {
    version: "2.0",
    routeKey: compiled.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(nonEmptyCookies.length > 0 ? { cookies: nonEmptyCookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(Object.keys(input.pathParameters).length > 0
      ? { pathParameters: input.pathParameters }
      : {}),
    requestContext,
    ...(body.length > 0 ? { body: body.toString(textual ? "utf8" : "base64") } : {}),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

// ---------------------------------------------------------------- invocation

function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const region = process.env.AWS_REGION ?? "eu-west-1";
  const today = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${today}/[$LATEST]${randomBytes(16).toString("hex")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type Outcome =
  | { readonly kind: "returned"; readonly value: unknown }
  | { readonly kind: "threw"; readonly error: unknown }
  | { readonly kind: "timed-out"; readonly late: Promise<Outcome> };

/**
 * Runs the handler against Lambda's timeout. On a timeout the handler is not
 * stopped (Node cannot stop a promise): it may finish in the background, and
 * its late answer is dropped, much like a zombie invocation on AWS.
 */
async function invoke(
  handler: GatewayHandler,
  event: GatewayEvent,
  context: Context,
  timeoutMs: number,
): Promise<Outcome> {
  const run: Promise<Outcome> = Promise.resolve()
    .then(() => handler(event, context))
    .then(
      (value) => ({ kind: "returned", value }),
      (error: unknown) => ({ kind: "threw", error }),
    );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timed-out", late: run }), timeoutMs);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- response

interface GatewayAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * API Gateway's reading of a payload 2.0 result: a result with `statusCode`
 * is a response; anything else is a 200 JSON body (a string as it is, any
 * other value JSON-encoded). A malformed response is an error, as on AWS.
 */
function answerFromResult(value: unknown): GatewayAnswer | { readonly invalid: string } {
  if (!isRecord(value) || !("statusCode" in value)) {
    const body = typeof value === "string" ? value : (JSON.stringify(value) ?? "null");
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(body, "utf8"),
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = value;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode)) {
    return { invalid: "statusCode must be an integer" };
  }
  if (statusCode < 100 || statusCode > 599) return { invalid: "statusCode out of range" };
  if (!isRecord(headers)) return { invalid: "headers must be an object" };
  const answerHeaders: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(headers)) {
    if (headerValue === undefined || headerValue === null) continue;
    if (!["string", "number", "boolean"].includes(typeof headerValue)) {
      return { invalid: `header ${name} must be a string, number or boolean` };
    }
    answerHeaders[name.toLowerCase()] = String(headerValue);
  }
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === "string")) {
    return { invalid: "cookies must be an array of strings" };
  }
  if (body !== undefined && body !== null && typeof body !== "string") {
    return { invalid: "body must be a string" };
  }
  return {
    statusCode,
    headers: answerHeaders,
    cookies,
    body: Buffer.from(body ?? "", isBase64Encoded === true ? "base64" : "utf8"),
  };
}

function answerFromProblem(problem: ProblemLike): GatewayAnswer {
  const rendered = renderProblem(problem);
  return {
    statusCode: rendered.statusCode,
    headers: rendered.headers,
    cookies: [],
    body: Buffer.from(rendered.body, "utf8"),
  };
}

const gatewayProblems = {
  notFound: (method: string, path: string) =>
    new HttpProblem(404, "not-found", "Not found", `No route matches ${method} ${path}.`),
  methodNotAllowed: (method: string, allowed: readonly string[]) =>
    new HttpProblem(
      405,
      "method-not-allowed",
      "Method not allowed",
      `${method} is not allowed here; use ${allowed.join(" or ")}.`,
      { allow: allowed.join(", ") },
    ),
  unauthorized: (tokenSent: boolean) =>
    new HttpProblem(401, "unauthorized", "Unauthorized", "A valid bearer token is required.", {
      "www-authenticate": tokenSent ? 'Bearer error="invalid_token"' : "Bearer",
    }),
  payloadTooLarge: () =>
    new HttpProblem(
      413,
      "payload-too-large",
      "Payload too large",
      `The body must not exceed ${MAX_GATEWAY_BODY_BYTES} bytes.`,
    ),
  gatewayTimeout: () =>
    new HttpProblem(504, "gateway-timeout", "Gateway timeout", "The function timed out."),
};

function writeAnswer(
  response: ServerResponse,
  answer: GatewayAnswer,
  requestId: string,
  closing: boolean,
): void {
  const setCookies = [...answer.cookies];
  for (const [name, value] of Object.entries(answer.headers)) {
    if (HOP_BY_HOP_HEADERS.has(name)) continue;
    if (name === "set-cookie") setCookies.push(value);
    else response.setHeader(name, value);
  }
  if (setCookies.length > 0) response.setHeader("set-cookie", setCookies);
  response.setHeader("apigw-requestid", requestId);
  if (closing) response.setHeader("connection", "close");
  response.statusCode = answer.statusCode;
  response.end(answer.body);
}

// ---------------------------------------------------------------- server

function describeError(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { errorName: error.name, errorMessage: error.message, errorStack: error.stack }
    : { errorMessage: String(error) };
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger("local-gateway");
  const key = new TextEncoder().encode(options.jwtSecret);
  const compiled = options.routes.map(compileRoute).sort(bySpecificity);
  const seen = new Set<string>();
  for (const { routeKey } of compiled) {
    if (seen.has(routeKey)) throw new Error(`Duplicate route ${routeKey}`);
    seen.add(routeKey);
  }
  let closing = false;

  async function answer(
    request: IncomingMessage,
    requestId: string,
    log: Record<string, unknown>,
  ): Promise<GatewayAnswer> {
    const receivedAt = new Date();
    const method = (request.method ?? "GET").toUpperCase();
    const { rawPath, rawQueryString } = splitUrl(request.url ?? "/");
    const pathSegments = rawPath.slice(1).split("/");
    const candidates = rawPath.startsWith("/")
      ? compiled.flatMap((entry) => {
          const pathParameters = matchPath(entry.segments, pathSegments);
          return pathParameters ? [{ entry, pathParameters }] : [];
        })
      : [];
    if (candidates.length === 0) {
      return answerFromProblem(gatewayProblems.notFound(method, rawPath));
    }
    const chosen = candidates.find(({ entry }) => entry.method === method);
    if (!chosen) {
      const allowed = [...new Set(candidates.map(({ entry }) => entry.method))];
      return answerFromProblem(gatewayProblems.methodNotAllowed(method, allowed));
    }
    const { entry, pathParameters } = chosen;
    log.routeId = entry.route.id;

    const body = await readBody(request, MAX_GATEWAY_BODY_BYTES);
    if (body.kind === "too-large") return answerFromProblem(gatewayProblems.payloadTooLarge());

    let authorizer: APIGatewayEventRequestContextJWTAuthorizer | undefined;
    if (entry.route.authenticated) {
      const authorization = await authorize(request.headers.authorization, key);
      if (!authorization.ok) {
        return answerFromProblem(gatewayProblems.unauthorized(authorization.tokenSent));
      }
      authorizer = authorization.authorizer;
    }

    const event = buildEvent({
      request,
      compiled: entry,
      rawPath,
      rawQueryString,
      pathParameters,
      body: body.bytes,
      requestId,
      receivedAt,
      authorizer,
    });
    const context = lambdaContext(entry.route.id, options.functionTimeoutMs);
    log.awsRequestId = context.awsRequestId;
    const outcome = await invoke(entry.route.handler, event, context, options.functionTimeoutMs);

    if (outcome.kind === "timed-out") {
      log.outcome = "timed out";
      void outcome.late.then((late) =>
        logger.warn("late answer dropped", {
          routeId: entry.route.id,
          requestId,
          outcome: late.kind,
        }),
      );
      return answerFromProblem(gatewayProblems.gatewayTimeout());
    }
    if (outcome.kind === "threw") {
      Object.assign(log, { outcome: "handler threw" }, describeError(outcome.error));
      return answerFromProblem(internalError());
    }
    const result = answerFromResult(outcome.value);
    if ("invalid" in result) {
      Object.assign(log, { outcome: `invalid handler response: ${result.invalid}` });
      return answerFromProblem(internalError());
    }
    return result;
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const requestId = newRequestId();
    const log: Record<string, unknown> = {
      method: request.method,
      path: splitUrl(request.url ?? "/").rawPath,
      routeId: undefined,
    };
    let status: number;
    try {
      const result = await answer(request, requestId, log);
      status = result.statusCode;
      try {
        writeAnswer(response, result, requestId, closing);
      } catch (error) {
        // An unwritable header from the handler: nothing was sent yet.
        Object.assign(log, { outcome: "unwritable handler response" }, describeError(error));
        status = 500;
        for (const name of response.getHeaderNames()) response.removeHeader(name);
        writeAnswer(response, answerFromProblem(internalError()), requestId, closing);
      }
    } catch (error) {
      Object.assign(log, { outcome: "gateway error" }, describeError(error));
      status = 500;
      if (!response.headersSent) {
        writeAnswer(response, answerFromProblem(internalError()), requestId, closing);
      } else {
        response.destroy();
      }
    }
    const attributes = {
      ...log,
      status,
      durationMs: Math.round(performance.now() - startedAt),
      requestId,
    };
    if (status >= 500) logger.error("request", attributes);
    else logger.info("request", attributes);
  }

  const server = createServer((request, response) => {
    void serve(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing = true;
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections go now; busy ones after their answer
        // (sent with `Connection: close`).
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
