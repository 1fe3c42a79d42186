import { createHash } from "node:crypto";

/** What makes two requests "the same request" under one key. */
export interface RequestIdentity {
  readonly method: string;
  /** The route template, such as `POST /accounts/{accountId}/deposits`. */
  readonly route: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  /** The raw body as received, or a body a parser already turned into a value. */
  readonly body?: unknown;
  readonly isBase64Encoded?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON with object keys sorted (by UTF-16 code units) and no insignificant
 * whitespace. Numbers and strings are written as `JSON.stringify` writes them,
 * which is what RFC 8785 (JCS) prescribes, so `{"a":1,"b":2}` and
 * `{ "b": 2, "a": 1 }` give the same text and `"\u00e9"` equals `"é"`.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) sorted[key] = sortKeys(child);
    }
    return sorted;
  }
  return (value ?? null) as Json;
}

/**
 * The body as a canonical value: JSON text is parsed so that formatting does
 * not count; anything else (text that is not JSON, binary) counts byte for byte.
 */
function canonicalBody(body: unknown, isBase64Encoded: boolean | undefined): Json {
  if (body === undefined || body === null || body === "") return null;
  if (typeof body !== "string") return { json: sortKeys(body) };
  if (isBase64Encoded) return { base64: body };
  try {
    return { json: sortKeys(JSON.parse(body)) };
  } catch {
    return { text: body };
  }
}

/**
 * SHA-256 (hex) over the method, the route template, the path parameters and
 * the canonical body. Computed once per request, at claim time.
 */
export function fingerprint(request: RequestIdentity): string {
  const identity = {
    method: request.method.toUpperCase(),
    route: request.route,
    pathParameters: request.pathParameters ?? {},
    body: canonicalBody(request.body, request.isBase64Encoded),
  };
  return createHash("sha256").update(canonicalJson(identity)).digest("hex");
}
