import { fingerprintOf } from "../core/fingerprint";
import { type IdempotentHttpEvent, methodOf, routeOf } from "./http-event";

/** What makes two HTTP requests "the same request" under one key. */
export interface HttpRequestIdentity {
  readonly method: string;
  /** The route template, such as `POST /accounts/{accountId}/deposits`. */
  readonly route: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  /** The raw body as received, or a body a parser already turned into a value. */
  readonly body?: unknown;
  readonly isBase64Encoded?: boolean;
}

/**
 * The body as a canonical value. A body a parser already turned into a value
 * (Middy's JSON body parser, or the project's validation, put it back on
 * `event.body`) is used as it is, so the body is parsed once per request.
 * JSON text is parsed, so that formatting does not count; anything else
 * (text that is not JSON, binary) counts byte for byte.
 */
function canonicalBody(body: unknown, isBase64Encoded: boolean | undefined): unknown {
  if (body === undefined || body === null || body === "") return null;
  if (typeof body !== "string") return { json: body };
  if (isBase64Encoded) return { base64: body };
  try {
    return { json: JSON.parse(body) };
  } catch {
    return { text: body };
  }
}

/**
 * SHA-256 (hex) over the method, the route template, the path parameters
 * and the canonical body. Headers and the query string do not count.
 */
export function fingerprint(request: HttpRequestIdentity): string {
  return fingerprintOf({
    method: request.method.toUpperCase(),
    route: request.route,
    pathParameters: request.pathParameters ?? {},
    body: canonicalBody(request.body, request.isBase64Encoded),
  });
}

/** The fingerprint of an API Gateway event, computed once, before anything runs. */
export function requestFingerprint(event: IdempotentHttpEvent): string {
  return fingerprint({
    method: methodOf(event),
    route: routeOf(event),
    pathParameters: event.pathParameters,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
  });
}
