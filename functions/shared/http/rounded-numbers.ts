/**
 * Number literals that `JSON.parse` rounds into an integer they are not:
 * `0.99999999999999999` parses to 1, `4.0000000000000001` to 4 and
 * `9007199254740993` to 9007199254740992. A schema sees only the parsed
 * integer and would accept it, so such a literal must be caught in the text
 * (see inspect-json-text.ts, which finds the literals).
 */

const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Up to 15 digits, no fraction, no exponent: always exactly a double. */
const SHORT_INTEGER = /^-?\d{1,15}$/;

/**
 * Whether `JSON.parse` turns the literal into an integer other than the
 * literal's exact value. Non-integers are left to the schemas, which refuse
 * them as they are.
 */
export function roundsToAnotherInteger(literal: string): boolean {
  if (SHORT_INTEGER.test(literal)) return false;
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
