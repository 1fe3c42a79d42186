/**
 * Number literals that `JSON.parse` rounds into an integer they are not:
 * `0.99999999999999999` parses to 1, `4.0000000000000001` to 4 and
 * `9007199254740993` to 9007199254740992. A schema sees only the parsed
 * integer and would accept it, so such a literal must be caught in the text.
 *
 * `JSON.parse` shows a reviver each primitive's literal (`context.source`,
 * Node 22+; Lambda runs 24). A reviver costs a walk of the whole value, so
 * it runs only when the text holds a digit followed by `.`, `e` or `E`, or 16
 * digits in a row: the only ways a literal can round.
 */

export interface RoundedNumber {
  /** Dotted path of the value, as in validation errors: `items.1.quantity`. */
  readonly path: string;
  readonly literal: string;
}

const MAY_ROUND = /\d[.eE]|\d{16}/;
const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** What a reviver gets besides key and value (ES2026 "JSON.parse source text access"). */
interface ReviverContext {
  readonly source?: string;
}

/**
 * Checked once, at load: on a runtime without source access every rounded
 * literal would pass unseen, so the function refuses to start instead.
 */
function assertSourceAccess(): void {
  let source: string | undefined;
  JSON.parse("[1.0]", (_key, value: unknown, context?: ReviverContext) => {
    if (typeof value === "number") source = context?.source;
    return value;
  });
  if (source !== "1.0") {
    throw new Error(
      "JSON.parse shows no literal to a reviver here: Node.js 22 or later is needed.",
    );
  }
}
assertSourceAccess();

/** Stands where a rounded number was, until its path is known. */
class Rounded {
  constructor(readonly literal: string) {}
}

/** Every number in `json` (text `JSON.parse` accepted) that parses to an integer it is not. */
export function findRoundedNumbers(json: string): RoundedNumber[] {
  if (!MAY_ROUND.test(json)) return [];
  let found = false;
  const marked: unknown = JSON.parse(json, (_key, value: unknown, context?: ReviverContext) => {
    if (typeof value !== "number" || !context?.source) return value;
    if (!roundsToAnotherInteger(context.source)) return value;
    found = true;
    return new Rounded(context.source);
  });
  return found ? roundedIn(marked, []) : [];
}

/** The marks under `value`, with their paths, in document order. */
function roundedIn(value: unknown, path: readonly string[]): RoundedNumber[] {
  if (value instanceof Rounded) return [{ path: path.join("."), literal: value.literal }];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => roundedIn(child, [...path, key]));
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
