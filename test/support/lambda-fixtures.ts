import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  Context,
} from "aws-lambda";
import { callerIdentity } from "../../lib/local/gateway/api-gateway-event";

export interface TestRequest {
  readonly method?: string;
  /** Route template, as API Gateway reports it (`resource`; `routeKey` in 2.0). */
  readonly route?: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** The caller; `null` for an event without authorizer claims. */
  readonly sub?: string | null;
  readonly idempotencyKey?: string;
}

interface PreparedRequest {
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly sub: string | null;
  readonly headers: Record<string, string>;
}

function prepare(request: TestRequest): PreparedRequest {
  const route = request.route ?? "/things";
  return {
    method: request.method ?? "POST",
    route,
    path: request.path ?? route,
    sub: request.sub === undefined ? "caller-1" : request.sub,
    headers: {
      "content-type": "application/json",
      ...(request.idempotencyKey !== undefined
        ? { "idempotency-key": request.idempotencyKey }
        : {}),
      ...request.headers,
    },
  };
}

/**
 * A REST API Lambda proxy event (payload 1.0), as the stack's API Gateway
 * builds it after its Cognito authorizer: what every handler test runs on.
 * The body is text (`isBase64Encoded: false`); the stack's binary media type
 * sends it base64, which the HTTP tests through the local gateway cover.
 */
export function restApiEvent(request: TestRequest = {}): APIGatewayProxyEvent {
  const { method, route, path, sub, headers } = prepare(request);
  return {
    resource: route,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, [value]]),
    ),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "test",
      authorizer: { claims: sub === null ? {} : { sub } },
      domainName: "test.local",
      domainPrefix: "test",
      httpMethod: method,
      identity: callerIdentity("127.0.0.1", "jest"),
      path: `/v1${path}`,
      protocol: "HTTP/1.1",
      requestId: `request-${Math.random().toString(36).slice(2)}`,
      requestTimeEpoch: Date.now(),
      resourceId: "test",
      resourcePath: route,
      stage: "v1",
    },
  };
}

/**
 * An HTTP API (payload 2.0) event as API Gateway builds it after its JWT
 * authorizer. The handlers still read it; the benchmarks (bench/) drive
 * them with it. Tests use {@link restApiEvent}, what the stack sends.
 */
export function apiGatewayEvent(
  request: TestRequest = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { method, route, path, sub, headers } = prepare(request);
  return {
    version: "2.0",
    routeKey: `${method} ${route}`,
    rawPath: path,
    rawQueryString: "",
    headers,
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "test",
      domainName: "test.local",
      domainPrefix: "test",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "jest" },
      requestId: `request-${Math.random().toString(36).slice(2)}`,
      routeKey: `${method} ${route}`,
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      authorizer: {
        principalId: "",
        integrationLatency: 0,
        jwt: { claims: sub === null ? {} : { sub }, scopes: [] },
      },
    },
  };
}

/**
 * A Lambda context whose remaining time counts down from `timeoutMs`, on
 * `now` (the wall clock, or a test's manual clock).
 */
export function lambdaContext(timeoutMs = 10_000, now: () => number = Date.now): Context {
  const deadline = now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "test-function",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:test-function",
    memoryLimitInMB: "128",
    awsRequestId: `aws-${Math.random().toString(36).slice(2)}`,
    logGroupName: "/aws/lambda/test-function",
    logStreamName: "test",
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const silentLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A promise resolved from outside: lets a test hold a handler mid-flight. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
