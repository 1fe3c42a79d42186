import * as z from "zod";
import { IdempotencyStoreError } from "../core/errors";
import { REPLAYED_HEADER } from "./constants";

/** What an HTTP handler may return to API Gateway (payload 2.0). */
export interface HttpResult {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly cookies?: readonly string[];
}

/** A handler's answer in one fixed shape: what is sent, stored and replayed. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  cookies?: string[];
}

/** An HTTP answer as the HTTP face stores it in a record: only what is needed to replay it. */
export const storedResponseSchema = z.object({
  statusCode: z.number().int().min(100).max(599),
  /** Allow-listed headers, names in lower case. */
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  isBase64Encoded: z.boolean(),
});
export type StoredResponse = z.infer<typeof storedResponseSchema>;

function isHttpResult(value: unknown): value is HttpResult {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === "number"
  );
}

/**
 * Puts any handler result into one shape, so the first answer and its
 * replays are the same. A result without `statusCode` is read the way API
 * Gateway reads it (200, JSON); a handler that returns nothing answered
 * `204 No Content`, and that answer is stored and replayed like any other.
 */
export function normalizeResponse(result: unknown): HttpResponse {
  if (result === undefined || result === null) {
    return { statusCode: 204, headers: {}, body: "", isBase64Encoded: false };
  }
  if (!isHttpResult(result)) {
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(result),
      isBase64Encoded: false,
    };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  return {
    statusCode: result.statusCode,
    headers,
    body: typeof result.body === "string" ? result.body : "",
    isBase64Encoded: result.isBase64Encoded === true,
    ...(result.cookies ? { cookies: [...result.cookies] } : {}),
  };
}

/** The part of a response kept with the record: status, body and allow-listed headers. */
export function toStoredResponse(
  response: HttpResponse,
  storedHeaders: readonly string[],
): StoredResponse {
  const allowed = new Set(storedHeaders.map((name) => name.toLowerCase()));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (allowed.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  return {
    statusCode: response.statusCode,
    headers,
    body: response.body,
    isBase64Encoded: response.isBase64Encoded,
  };
}

/** The record's answer: the stored response as JSON. */
export function serializeStoredResponse(stored: StoredResponse): string {
  return JSON.stringify(stored);
}

/** A stored answer, sent again, marked as a replay. */
export function toReplayResponse(answer: string): HttpResponse {
  const stored = parseStoredResponse(answer);
  return {
    statusCode: stored.statusCode,
    headers: { ...stored.headers, [REPLAYED_HEADER]: "true" },
    body: stored.body,
    isBase64Encoded: stored.isBase64Encoded,
  };
}

function parseStoredResponse(answer: string): StoredResponse {
  try {
    return storedResponseSchema.parse(JSON.parse(answer));
  } catch (error) {
    // Not an answer this face stored: a bug or another writer, not an outage.
    throw new IdempotencyStoreError({ cause: error });
  }
}

export function bodyBytes(response: StoredResponse): number {
  return Buffer.byteLength(response.body, "utf8");
}
