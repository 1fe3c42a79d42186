import type * as z from "zod";
import { problems } from "./http-problems";
import type { FieldError } from "./problem";

/** Bodies over this many bytes are refused with 413 (the contract's 64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export interface RawHttpRequest {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Readonly<Record<string, string | undefined>>;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
}

/** `If-Match` as the API understands it: a version, or `*` for any. */
export type IfMatch = { readonly version: number } | { readonly any: true };

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

function header(request: RawHttpRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/** 413, then 415, then 400 (malformed JSON, then schema): the body, parsed and validated. */
export function parseJsonBody<T>(request: RawHttpRequest, schema: z.ZodType<T>): T {
  const raw = request.body ?? "";
  const text = request.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES)
    throw problems.payloadTooLarge(MAX_BODY_BYTES);
  if (text.trim() === "") {
    throw problems.validation([{ path: "", message: "A JSON body is required." }]);
  }
  if (!JSON_MEDIA_TYPE.test(header(request, "content-type") ?? "")) {
    throw problems.unsupportedMediaType();
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw problems.malformedJson();
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw problems.validation(toFieldErrors(parsed.error));
  return parsed.data;
}

/** Routes without a body still refuse an oversized one. */
export function assertBodySize(request: RawHttpRequest): void {
  const bytes = Buffer.byteLength(request.body ?? "", request.isBase64Encoded ? "base64" : "utf8");
  if (bytes > MAX_BODY_BYTES) throw problems.payloadTooLarge(MAX_BODY_BYTES);
}

export function parseQuery<T>(request: RawHttpRequest, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(request.queryStringParameters ?? {});
  if (!parsed.success) throw problems.validation(toFieldErrors(parsed.error));
  return parsed.data;
}

/** Path parameters that do not fit an id cannot name anything: 404. */
export function parsePathParameters<T>(
  request: RawHttpRequest,
  schema: z.ZodType<T>,
  what: string,
): T {
  const parsed = schema.safeParse(request.pathParameters ?? {});
  if (!parsed.success) throw problems.notFound(what);
  return parsed.data;
}

/**
 * `If-Match: "3"` → version 3; `*` → any version; absent → 428. A weak or
 * malformed tag can never match a strong ETag: 412.
 */
export function parseIfMatch(request: RawHttpRequest): IfMatch {
  const value = header(request, "if-match")?.trim();
  if (!value) throw problems.preconditionRequired();
  if (value === "*") return { any: true };
  const match = /^"(\d{1,15})"$/.exec(value);
  if (!match?.[1]) throw problems.preconditionFailed();
  return { version: Number(match[1]) };
}
