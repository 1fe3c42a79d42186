/**
 * Number literals that `JSON.parse` rounds into an integer they are not:
 * `0.99999999999999999` parses to 1, `4.0000000000000001` to 4 and
 * `9007199254740993` to 9007199254740992. A schema sees only the parsed
 * integer and would accept it, so such a literal must be caught in the text.
 *
 * `JSON.parse` gives no access to the literal on Node 20 (its reviver's
 * `context.source` came in later V8s), and a second, JavaScript-written JSON
 * parser would cost several times the native parse on every body. This scan
 * runs only over text that `JSON.parse` has already accepted, and only when
 * the text holds a digit followed by `.`, `e` or `E`, or 16 digits in a row.
 */

export interface RoundedNumber {
  /** Dotted path of the value, as in validation errors: `items.1.quantity`. */
  readonly path: string;
  readonly literal: string;
}

/** Strings (skipped whole, so digits inside them are not numbers), numbers and punctuation. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}[\]:,]/g;
const MAY_ROUND = /\d[.eE]|\d{16}/;
const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

type Frame =
  | { readonly kind: "object"; key: string; expectingKey: boolean }
  | { readonly kind: "array"; index: number };

/** Every number in `json` (text `JSON.parse` accepted) that parses to an integer it is not. */
export function findRoundedNumbers(json: string): RoundedNumber[] {
  if (!MAY_ROUND.test(json)) return [];
  const found: RoundedNumber[] = [];
  const frames: Frame[] = [];
  for (const [token] of json.matchAll(TOKEN)) {
    const top = frames.at(-1);
    if (token === "{") frames.push({ kind: "object", key: "", expectingKey: true });
    else if (token === "[") frames.push({ kind: "array", index: 0 });
    else if (token === "}" || token === "]") frames.pop();
    else if (token === ",") {
      if (top?.kind === "array") top.index += 1;
      else if (top?.kind === "object") top.expectingKey = true;
    } else if (token === ":") {
      if (top?.kind === "object") top.expectingKey = false;
    } else if (token.startsWith('"')) {
      // Keys are kept raw; only a path that is reported is unescaped.
      if (top?.kind === "object" && top.expectingKey) top.key = token;
    } else if (roundsToAnotherInteger(token)) {
      found.push({ path: pathOf(frames), literal: token });
    }
  }
  return found;
}

function pathOf(frames: readonly Frame[]): string {
  return frames
    .map((frame) => (frame.kind === "array" ? String(frame.index) : String(JSON.parse(frame.key))))
    .join(".");
}

/**
 * Whether `JSON.parse` turns the literal into an integer other than the
 * literal's exact value. Non-integers are left to the schemas, which refuse
 * them as they are.
 */
export function roundsToAnotherInteger(literal: string): boolean {
  const parsed = Number(literal);
  if (!Number.isInteger(parsed)) return false;
  const match = NUMBER.exec(literal);
  if (!match) return false;
  const [, whole = "", fraction = "", exponentText = "0"] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, "");
  if (digits === "") return false; // zero, written any way
  const significant = digits.replace(/0+$/, "");
  const exponent = Number(exponentText) - fraction.length + (digits.length - significant.length);
  // A fraction is left over: not an integer, yet parsed to one.
  if (exponent < 0) return true;
  // A finite double is below 10^309: an exponent this large cannot have parsed exactly.
  if (exponent > 400) return true;
  const exact = BigInt(significant) * 10n ** BigInt(exponent);
  return exact !== (parsed < 0 ? -BigInt(parsed) : BigInt(parsed));
}
