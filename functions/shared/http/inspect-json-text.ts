import { roundsToAnotherInteger } from "./rounded-numbers";

/**
 * What `JSON.parse` does not tell about a JSON text it accepted: a member
 * name an object repeats (it keeps the last value silently), how deep arrays
 * and objects nest, and number literals it rounds into another integer.
 *
 * One pass over the text, with an explicit stack instead of recursion, so no
 * input can overflow the call stack, and linear in the text's length. It
 * reads tokens only, so characters inside strings never count as numbers.
 * Hand-written because nothing native will do: a reviver sees neither
 * repeated names (they are gone by then) nor depth, and V8 walks the value
 * for a reviver recursively, overflowing at a few thousand levels.
 */

/** A number literal that `JSON.parse` rounds into an integer it is not. */
export interface RoundedNumber {
  /** Dotted path of the value, as in validation errors: `items.1.quantity`. */
  readonly path: string;
  readonly literal: string;
}

export interface JsonTextReport {
  /** The first member name an object repeats (I-JSON, RFC 7493 §2.3), and that object's path. */
  readonly repeatedName?: { readonly path: string; readonly name: string };
  /** Path of the first array or object nested deeper than the limit. */
  readonly tooDeepAt?: string;
  /** Every rounded literal within the depth limit, in document order. */
  readonly roundedNumbers: readonly RoundedNumber[];
}

/** An open array or object, and where the scan stands in it. */
interface Container {
  /** The member names seen so far; undefined for an array. */
  readonly names: Set<string> | undefined;
  /** The current member's name, or the current element's index. */
  at: string | number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Inspects `json`, a text `JSON.parse` accepted (the scan relies on it being
 * valid JSON), allowing arrays and objects `maxDepth` levels deep. Stops at
 * the first repeated name: such a body is refused whatever else it holds.
 */
export function inspectJsonText(json: string, maxDepth: number): JsonTextReport {
  const open: Container[] = [];
  const roundedNumbers: RoundedNumber[] = [];
  let tooDeepAt: string | undefined;
  // In valid JSON, the string after `{` or after an object's `,` is a member name.
  let nameNext = false;
  /** Path of the value the scan stands at; of the innermost container with `open.length - 1`. */
  const pathOf = (levels = open.length) =>
    open
      .slice(0, levels)
      .map((container) => container.at)
      .join(".");

  let index = 0;
  while (index < json.length) {
    const code = json.charCodeAt(index);
    const top = open.at(-1);
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (tooDeepAt === undefined && open.length === maxDepth) tooDeepAt = pathOf();
      const isObject = code === OPEN_BRACE;
      open.push(isObject ? { names: new Set(), at: "" } : { names: undefined, at: 0 });
      nameNext = isObject;
      index += 1;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      open.pop();
      index += 1;
    } else if (code === COMMA) {
      if (top && typeof top.at === "number") top.at += 1;
      nameNext = top?.names !== undefined;
      index += 1;
    } else if (code === QUOTE) {
      const end = closingQuote(json, index);
      if (nameNext && top?.names) {
        const name = stringValue(json.slice(index, end + 1));
        if (top.names.has(name)) {
          return { repeatedName: { path: pathOf(open.length - 1), name }, roundedNumbers };
        }
        top.names.add(name);
        top.at = name;
        nameNext = false;
      }
      index = end + 1;
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      // `-` or a digit: a number literal starts (the letters of true and false are no part of one).
      const start = index;
      while (index < json.length && isNumberChar(json.charCodeAt(index))) index += 1;
      const literal = json.slice(start, index);
      if (open.length <= maxDepth && roundsToAnotherInteger(literal)) {
        roundedNumbers.push({ path: pathOf(), literal });
      }
    } else {
      // Whitespace, `:`, and the letters of true, false and null.
      index += 1;
    }
  }
  return { ...(tooDeepAt === undefined ? {} : { tooDeepAt }), roundedNumbers };
}

/**
 * The index of the quote that closes the string opening at `start`: the
 * first quote after an even run of backslashes. Native `indexOf` skips the
 * text between, and each run of backslashes is counted once.
 */
function closingQuote(json: string, start: number): number {
  let quote = json.indexOf('"', start + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (json.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    quote = json.indexOf('"', quote + 1);
  }
  return json.length;
}

/** A string token's value: `"\u0061"` and `"a"` are the same name. */
function stringValue(token: string): string {
  return token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1);
}

/** The characters of a number literal: digits and `-+.eE`. */
function isNumberChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x2b ||
    code === 0x2e ||
    code === 0x65 ||
    code === 0x45
  );
}
