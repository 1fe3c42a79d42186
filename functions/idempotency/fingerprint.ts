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

/**
 * JSON with object keys sorted by UTF-16 code units and no insignificant
 * whitespace: the key order of RFC 8785 (JCS). Numbers and strings are
 * written as `JSON.stringify` writes them, which is what JCS prescribes, so
 * `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }` give the same text and `"\u00e9"`
 * equals `"é"`. Written out directly rather than through a re-built object:
 * objects list integer-like keys first, and a `__proto__` key would be lost.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value)
      .sort()
      .flatMap((key) => {
        const child = (value as Record<string, unknown>)[key];
        return child === undefined ? [] : [`${JSON.stringify(key)}:${canonicalJson(child)}`];
      });
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The body as a canonical value: JSON text is parsed so that formatting does
 * not count; anything else (text that is not JSON, binary) counts byte for byte.
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
