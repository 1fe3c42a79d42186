import { IdempotencyKeyInvalidError, IdempotencyKeyMissingError } from "../core/errors";
import { IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH } from "./constants";

/** Header values as Lambda sees them: API Gateway v2 joins repeats with a comma. */
export type HeaderMap = Readonly<Record<string, string | undefined>>;
export type MultiValueHeaderMap = Readonly<Record<string, readonly string[] | undefined>>;

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Reads the `Idempotency-Key` header. It is accepted bare (`abc`) or as a
 * structured-field string (`"abc"`, RFC 8941), the form of the IETF draft;
 * both give the same key. The key is 1–255 visible ASCII characters, and the
 * header has exactly one value.
 *
 * @returns the key, or `undefined` when the header is absent
 * @throws IdempotencyKeyInvalidError when the header is present but unusable
 */
export function readIdempotencyKey(
  headers: HeaderMap | null | undefined,
  multiValueHeaders?: MultiValueHeaderMap | null,
): string | undefined {
  // Payload 1.0 events carry every value in `multiValueHeaders` (and the last
  // one again in `headers`); payload 2.0 joins repeats with a comma.
  const multiValues = multiHeaderValues(multiValueHeaders, IDEMPOTENCY_KEY_HEADER);
  const values =
    multiValues.length > 0 ? multiValues : headerValues(headers, IDEMPOTENCY_KEY_HEADER);
  if (values.length === 0) return undefined;
  if (values.length > 1) throw invalid("The header must have exactly one value.");
  return parseIdempotencyKey(values[0] ?? "");
}

/** Like {@link readIdempotencyKey}, but a missing header is an error. */
export function requireIdempotencyKey(
  headers: HeaderMap | null | undefined,
  multiValueHeaders?: MultiValueHeaderMap | null,
): string {
  const key = readIdempotencyKey(headers, multiValueHeaders);
  if (key === undefined) throw new IdempotencyKeyMissingError();
  return key;
}

/** Parses one header value (bare token or structured-field string) into a key. */
export function parseIdempotencyKey(rawValue: string): string {
  const value = rawValue.replace(/^[ \t]+|[ \t]+$/g, "");
  // API Gateway joins repeated header lines with a comma, so `"abc` and `def"`
  // arrive as `"abc,def"`: a comma anywhere, bare or quoted, may be two values.
  if (value.includes(",")) {
    throw invalid("The key may not contain a comma: it cannot be told apart from two values.");
  }
  const key = value.startsWith('"') ? parseStructuredFieldString(value) : value;
  if (key.length === 0) throw invalid("The key must not be empty.");
  if (key.length > MAX_KEY_LENGTH) {
    throw invalid(`The key must be at most ${MAX_KEY_LENGTH} characters long.`);
  }
  if (!VISIBLE_ASCII.test(key)) {
    throw invalid("The key may contain only visible ASCII characters (0x21–0x7E).");
  }
  return key;
}

/** RFC 8941 §4.2.5: `"` opens and closes, `\` escapes only `"` and `\`. */
function parseStructuredFieldString(value: string): string {
  let key = "";
  for (let index = 1; index < value.length; index += 1) {
    const char = value[index];
    if (char === "\\") {
      const escaped = value[index + 1];
      if (escaped !== '"' && escaped !== "\\") {
        throw invalid("A quoted key may escape only a double quote or a backslash.");
      }
      key += escaped;
      index += 1;
    } else if (char === '"') {
      // Only spaces and tabs may follow (HTTP whitespace), as around a bare key.
      const rest = value.slice(index + 1).replace(/^[ \t]+/, "");
      if (rest.length > 0) throw invalid("Nothing may follow the closing quote of the key.");
      return key;
    } else {
      key += char;
    }
  }
  throw invalid("A quoted key must end with a double quote.");
}

function headerValues(headers: HeaderMap | null | undefined, name: string): string[] {
  if (!headers) return [];
  const values: string[] = [];
  for (const [headerName, value] of Object.entries(headers)) {
    if (value !== undefined && headerName.toLowerCase() === name) values.push(value);
  }
  return values;
}

function multiHeaderValues(
  headers: MultiValueHeaderMap | null | undefined,
  name: string,
): string[] {
  if (!headers) return [];
  return Object.entries(headers).flatMap(([headerName, values]) =>
    values && headerName.toLowerCase() === name ? [...values] : [],
  );
}

function invalid(detail: string): IdempotencyKeyInvalidError {
  return new IdempotencyKeyInvalidError(detail);
}
