import { isUtf8 } from "node:buffer";
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
} from "aws-lambda";
import { ACCOUNT_ID, API_ID, GATEWAY_HOST } from "./local-deployment";

/** The HTTP request as API Gateway hands it to a Lambda: a payload format 2.0 event. */

/** What a handler receives: with the JWT authorizer's context on authenticated routes. */
export type GatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;

// Bodies of these types reach the handler as text when they are UTF-8; all
// others base64-encoded.
const TEXTUAL_CONTENT_TYPE =
  /^\s*(?:text\/[^;\s]+|application\/(?:[\w.+-]+\+)?(?:json|xml)|application\/(?:javascript|x-www-form-urlencoded))\s*(?:;.*)?$/i;

export interface EventInput {
  readonly request: IncomingMessage;
  /** The matched route's method, in upper case. */
  readonly method: string;
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly pathParameters: Record<string, string>;
  readonly body: Buffer;
  readonly requestId: string;
  readonly receivedAt: Date;
  readonly authorizer: APIGatewayEventRequestContextJWTAuthorizer | undefined;
}

/** The request target split as the event's `rawPath` and `rawQueryString`. */
export function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const queryAt = url.indexOf("?");
  return queryAt === -1
    ? { rawPath: url, rawQueryString: "" }
    : { rawPath: url.slice(0, queryAt), rawQueryString: url.slice(queryAt + 1) };
}

/** The shape of API Gateway's HTTP API request ids, such as `JKJaXmPLvHcESHA=`. */
export function newRequestId(): string {
  return randomBytes(11).toString("base64");
}

export function buildEvent(input: EventInput): GatewayEvent {
  const { request, body, receivedAt } = input;
  const sourceIp = (request.socket.remoteAddress ?? GATEWAY_HOST).replace(/^::ffff:/, "");
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

  const domainName = (headers.host ?? GATEWAY_HOST).replace(/:\d+$/, "");
  // Decoding bytes that are not UTF-8 would replace them with U+FFFD, and the
  // handler would see a different request: such a body goes as its bytes.
  const textual = TEXTUAL_CONTENT_TYPE.test(headers["content-type"] ?? "") && isUtf8(body);
  const queryStringParameters = queryParameters(input.rawQueryString);
  const nonEmptyCookies = cookies.filter((cookie) => cookie !== "");
  const requestContext = {
    accountId: ACCOUNT_ID,
    apiId: API_ID,
    domainName,
    domainPrefix: domainName.split(".")[0] ?? domainName,
    http: {
      method: input.method,
      path: input.rawPath,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp,
      userAgent: headers["user-agent"] ?? "",
    },
    requestId: input.requestId,
    routeKey: input.routeKey,
    stage: "$default",
    time: apiGatewayTime(receivedAt),
    timeEpoch: receivedAt.getTime(),
    ...(input.authorizer ? { authorizer: input.authorizer } : {}),
  };
  return {
    version: "2.0",
    routeKey: input.routeKey,
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
