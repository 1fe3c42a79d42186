import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from "aws-lambda";

export interface TestRequest {
  readonly method?: string;
  /** Route template, as API Gateway reports it in `routeKey`. */
  readonly route?: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** The caller; `null` for an event without authorizer claims. */
  readonly sub?: string | null;
  readonly idempotencyKey?: string;
}

/** An HTTP API (payload 2.0) event as API Gateway builds it after its JWT authorizer. */
export function apiGatewayEvent(
  request: TestRequest = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const method = request.method ?? "POST";
  const route = request.route ?? "/things";
  const path = request.path ?? route;
  const sub = request.sub === undefined ? "caller-1" : request.sub;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(request.idempotencyKey !== undefined ? { "idempotency-key": request.idempotencyKey } : {}),
    ...request.headers,
  };
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

/** A Lambda context whose remaining time counts down from `timeoutMs`. */
export function lambdaContext(timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "test-function",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:test-function",
    memoryLimitInMB: "128",
    awsRequestId: `aws-${Math.random().toString(36).slice(2)}`,
    logGroupName: "/aws/lambda/test-function",
    logStreamName: "test",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
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
