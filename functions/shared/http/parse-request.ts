import type * as z from "zod";
import type { ExpectedVersion } from "../../domain/primitives";
import { inspectJsonText } from "./inspect-json-text";
import type { FieldError } from "./problem-details";
import { problems } from "./problem-types";

/** Bodies over this many bytes are refused with 413 (the contract's 64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Arrays and objects nested deeper than this in a body are refused with 400 (the contract's 32). */
export const MAX_JSON_DEPTH = 32;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

/** What is read of an event; a REST API's (payload 1.0) has null where a part is absent. */
export interface RawHttpRequest {
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  /** Every value of every query parameter (payload 1.0). */
  readonly multiValueQueryStringParameters?: Readonly<
    Record<string, readonly string[] | undefined>
  > | null;
  /** The query string as sent, without `?` (payload 2.0, whose parameters join repeats with commas). */
  readonly rawQueryString?: string;
}

/** `If-Match` as the API understands it: one strong entity tag (quotes included), or `*` for any. */
export type IfMatch = { readonly etag: string } | { readonly any: true };

/**
 * The version an `If-Match` expects, compared strongly (RFC 9110): `*` any;
 * a tag only when it is the one `etagOf(version)` makes (`"03"` is not `"3"`).
 */
export function expectedVersionOf(ifMatch: IfMatch): ExpectedVersion {
  if ("any" in ifMatch) return ifMatch;
  const version = /^"([1-9][0-9]{0,14})"$/.exec(ifMatch.etag)?.[1];
  return { version: version === undefined ? undefined : Number(version) };
}

/** A strong entity tag (RFC 9110 §8.8.3): quoted, no `W/`. */
const STRONG_ETAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/;

function toFieldErrors(error: z.ZodError): FieldError[] {
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

/** Refuses bytes that are not UTF-8 instead of turning them into U+FFFD; keeps a BOM, as JSON.parse refuses it. */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The body as a route reads it: 413, 415, 400 malformed or rounded, then
 * the schema. Its JSON value is returned too: the idempotency layer
 * fingerprints that value instead of parsing the text again.
 */
export function parseJsonBody<T>(
  request: RawHttpRequest,
  schema: z.ZodType<T>,
): { readonly json: unknown; readonly body: T } {
  const json = readJsonBody(request);
  return { json, body: validateBody(json, schema) };
}

/** The body's JSON value against its schema: 400 `validation-error` naming every bad field. */
export function validateBody<T>(value: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw problems.validation(toFieldErrors(parsed.error));
  return parsed.data;
}

/**
 * 413, then 415, then 400 (not UTF-8, not JSON, or a member name repeated:
 * malformed; then nested too deep, or a number JSON.parse would round): the
 * body's JSON value, before any schema.
 */
export function readJsonBody(request: RawHttpRequest): unknown {
  const raw = request.body ?? "";
  const bytes = request.isBase64Encoded ? Buffer.from(raw, "base64") : undefined;
  if ((bytes?.length ?? Buffer.byteLength(raw, "utf8")) > MAX_BODY_BYTES)
    throw problems.payloadTooLarge(MAX_BODY_BYTES);
  if (bytes ? bytes.length === 0 : raw.trim() === "") {
    throw problems.validation([{ path: "", message: "A JSON body is required." }]);
  }
  if (!JSON_MEDIA_TYPE.test(header(request, "content-type") ?? "")) {
    throw problems.unsupportedMediaType();
  }
  let value: unknown;
  let text: string;
  try {
    text = bytes ? STRICT_UTF8.decode(bytes) : raw;
    value = JSON.parse(text);
  } catch {
    throw problems.malformedJson();
  }
  const { repeatedName, tooDeepAt, roundedNumbers } = inspectJsonText(text, MAX_JSON_DEPTH);
  if (repeatedName) {
    const where = repeatedName.path === "" ? "The body" : `The object at ${repeatedName.path}`;
    throw problems.malformedJson(
      `${where} names the member ${JSON.stringify(abbreviate(repeatedName.name))} twice; member names must be unique (RFC 7493).`,
    );
  }
  if (tooDeepAt !== undefined) {
    throw problems.validation([
      {
        path: tooDeepAt,
        message: `is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
      },
    ]);
  }
  if (roundedNumbers.length > 0) {
    throw problems.validation(
      roundedNumbers.map(({ path, literal }) => ({
        path,
        message: `must be exactly an integer: ${abbreviate(literal)} is not, and would be rounded`,
      })),
    );
  }
  return value;
}

/** A literal or name as quoted back in a message: a body may hold thousands of characters. */
function abbreviate(literal: string): string {
  return literal.length > 40 ? `${literal.slice(0, 37)}...` : literal;
}

/** Routes without a body still refuse an oversized one. */
export function assertBodySize(request: RawHttpRequest): void {
  const bytes = Buffer.byteLength(request.body ?? "", request.isBase64Encoded ? "base64" : "utf8");
  if (bytes > MAX_BODY_BYTES) throw problems.payloadTooLarge(MAX_BODY_BYTES);
}

/**
 * The query parameters against their schema (a strict one refuses unknown
 * parameters). A parameter given twice or empty is refused first: API
 * Gateway's `queryStringParameters` keeps only the last of repeated values
 * (payload 1.0) or joins them with commas (2.0), so each is read from every
 * value sent.
 */
export function parseQuery<T>(request: RawHttpRequest, schema: z.ZodType<T>): T {
  const values = queryValues(request);
  const errors: FieldError[] = [];
  for (const [name, sent = []] of Object.entries(values)) {
    if (sent.length > 1)
      errors.push({ path: name, message: `must be given once, not ${sent.length} times` });
    else if (sent[0] === "") errors.push({ path: name, message: "must not be empty" });
  }
  if (errors.length > 0) throw problems.validation(errors);
  const single = Object.fromEntries(
    Object.entries(values).map(([name, sent = []]) => [name, sent[0]]),
  );
  const parsed = schema.safeParse(single);
  if (!parsed.success) throw problems.validation(toFieldErrors(parsed.error));
  return parsed.data;
}

/** Every value of every query parameter, from whichever the event carries. */
function queryValues(
  request: RawHttpRequest,
): Readonly<Record<string, readonly string[] | undefined>> {
  if (request.multiValueQueryStringParameters) return request.multiValueQueryStringParameters;
  if (request.rawQueryString !== undefined) {
    const values = new Map<string, string[]>();
    for (const [name, value] of new URLSearchParams(request.rawQueryString)) {
      const sent = values.get(name);
      if (sent) sent.push(value);
      else values.set(name, [value]);
    }
    // fromEntries keeps a parameter named __proto__ as data, so the schema sees it.
    return Object.fromEntries(values);
  }
  return Object.fromEntries(
    Object.entries(request.queryStringParameters ?? {}).map(([name, value]) => [
      name,
      value === undefined ? [] : [value],
    ]),
  );
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
 * `If-Match: "3"` → that tag, compared as a string (`"03"` is another tag);
 * `*` → any version; absent → 428. A weak or malformed tag can never match a
 * strong ETag: 412.
 */
export function parseIfMatch(request: RawHttpRequest): IfMatch {
  const value = header(request, "if-match")?.trim();
  if (!value) throw problems.preconditionRequired();
  if (value === "*") return { any: true };
  if (!STRONG_ETAG.test(value)) throw problems.preconditionFailed();
  return { etag: value };
}
