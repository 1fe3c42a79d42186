import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { API_STAGE_NAME } from "../../api/stage";
import { ACCOUNT_ID, API_ID, GATEWAY_HOST } from "./local-deployment";

/**
 * The HTTP request as the stack's REST API hands it to a Lambda proxy
 * integration: a payload format 1.0 event.
 */

/** What a handler receives: with the Cognito authorizer's claims on authenticated routes. */
export type GatewayEvent = APIGatewayProxyEvent;

export interface EventInput {
  readonly request: IncomingMessage;
  /** The matched route's method, in upper case. */
  readonly method: string;
  /** The route's path template, the event's `resource`. */
  readonly resource: string;
  /** The request's path, as received (still percent-encoded). */
  readonly path: string;
  readonly rawQueryString: string;
  readonly pathParameters: Record<string, string>;
  readonly body: Buffer;
  readonly requestId: string;
  readonly receivedAt: Date;
  /** The verified claims, as strings; undefined on a route without authorizer. */
  readonly claims: Record<string, string> | undefined;
}

/** The request target split as the path and the query string (without `?`). */
export function splitUrl(url: string): { path: string; rawQueryString: string } {
  const queryAt = url.indexOf("?");
  return queryAt === -1
    ? { path: url, rawQueryString: "" }
    : { path: url.slice(0, queryAt), rawQueryString: url.slice(queryAt + 1) };
}

/** REST API request ids are UUIDs (the `x-amzn-RequestId` answer header). */
export function newRequestId(): string {
  return randomUUID();
}

export function buildEvent(input: EventInput): GatewayEvent {
  const { request, body, receivedAt } = input;
  const sourceIp = (request.socket.remoteAddress ?? GATEWAY_HOST).replace(/^::ffff:/, "");
  const multiValueHeaders = headerLines(request, {
    "X-Forwarded-For": sourceIp,
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Port": String(request.socket.localPort ?? ""),
  });
  // `headers` keeps the last value of a repeated header; `multiValueHeaders` all of them.
  const headers = Object.fromEntries(
    Object.entries(multiValueHeaders).map(([name, values]) => [name, values.at(-1) ?? ""]),
  );
  const host = request.headers.host ?? GATEWAY_HOST;
  const domainName = host.replace(/:\d+$/, "");
  const query = queryParameters(input.rawQueryString);
  return {
    resource: input.resource,
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([name, values]) => [name, values.at(-1)]))
      : null,
    multiValueQueryStringParameters: query,
    pathParameters: Object.keys(input.pathParameters).length > 0 ? input.pathParameters : null,
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      authorizer: input.claims ? { claims: input.claims } : undefined,
      domainName,
      domainPrefix: domainName.split(".")[0] ?? domainName,
      extendedRequestId: randomBytes(11).toString("base64"),
      httpMethod: input.method,
      identity: callerIdentity(sourceIp, request.headers["user-agent"]),
      path: `/${API_STAGE_NAME}${input.path}`,
      protocol: `HTTP/${request.httpVersion}`,
      requestId: input.requestId,
      requestTime: apiGatewayTime(receivedAt),
      requestTimeEpoch: receivedAt.getTime(),
      resourceId: randomBytes(3).toString("hex"),
      resourcePath: input.resource,
      stage: API_STAGE_NAME,
    },
    // The stack's binary media type `*/*`: every body arrives as its bytes,
    // base64-encoded, whatever its content type, so nothing can alter it.
    body: body.length > 0 ? body.toString("base64") : null,
    isBase64Encoded: body.length > 0,
  };
}

/**
 * Every header line by name, with the spelling the client used (a REST API
 * keeps it; the first spelling wins for a repeated header), after the
 * headers API Gateway adds (values the client sent itself are kept).
 */
function headerLines(
  request: IncomingMessage,
  added: Readonly<Record<string, string>>,
): Record<string, string[]> {
  const lines = new Map<string, { name: string; values: string[] }>();
  const { rawHeaders } = request;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] ?? "";
    const value = rawHeaders[index + 1] ?? "";
    const line = lines.get(name.toLowerCase());
    if (line) line.values.push(value);
    else lines.set(name.toLowerCase(), { name, values: [value] });
  }
  for (const [name, value] of Object.entries(added)) {
    if (!lines.has(name.toLowerCase())) lines.set(name.toLowerCase(), { name, values: [value] });
  }
  // fromEntries keeps a header named __proto__ as data, as JSON.parse on AWS would.
  return Object.fromEntries([...lines.values()].map(({ name, values }) => [name, values]));
}

/** Every value of every parameter, decoded; null without a query string. */
function queryParameters(rawQueryString: string): Record<string, string[]> | null {
  if (rawQueryString === "") return null;
  const parameters = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    parameters.set(name, [...(parameters.get(name) ?? []), value]);
  }
  return parameters.size > 0 ? Object.fromEntries(parameters) : null;
}

/** The caller as API Gateway describes it without IAM or API keys: its address and user agent. */
export function callerIdentity(
  sourceIp: string,
  userAgent: string | undefined,
): GatewayEvent["requestContext"]["identity"] {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent: userAgent ?? null,
    userArn: null,
  };
}

/** API Gateway's `requestContext.requestTime`: `23/Nov/2026:11:17:03 +0000`. */
function apiGatewayTime(date: Date): string {
  const [, day, month, year, time] = date.toUTCString().split(" ");
  return `${day}/${month}/${year}:${time} +0000`;
}
