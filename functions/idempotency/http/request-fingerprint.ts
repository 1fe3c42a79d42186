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

/** Refuses bytes that are not UTF-8 instead of replacing them. */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The body as a canonical value. A body a parser already turned into a value
 * (Middy's JSON body parser, or the project's validation, put it back on
 * `event.body`) is used as it is, so the body is parsed once per request.
 * Text (base64-encoded or not: a REST API with a binary media type encodes
 * every body) is parsed as JSON, so that formatting does not count; text
 * that is not JSON counts character for character, and bytes that are not
 * UTF-8 byte for byte.
 */
function canonicalBody(body: unknown, isBase64Encoded: boolean | undefined): unknown {
  if (body === undefined || body === null || body === "") return null;
  if (typeof body !== "string") return { json: body };
  let text = body;
  if (isBase64Encoded) {
    try {
      text = STRICT_UTF8.decode(Buffer.from(body, "base64"));
    } catch {
      return { base64: body };
    }
  }
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { text };
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
