import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/**
 * An item's size as DynamoDB counts it for capacity ("Item sizes and
 * formats" in the DynamoDB developer guide): attribute names' and strings'
 * UTF-8 bytes, binaries' raw bytes, 1 byte for a boolean or null, 3 bytes
 * per list or map plus 1 per element. Numbers are the guide's approximation:
 * 1 byte per two significant digits, plus 1.
 */
export function itemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8(name) + valueBytes(value);
  return bytes;
}

/** Units of one item's write: 1 per started KB (at least 1), twice that inside a transaction. */
export function writeUnitsOf(bytes: number, transactional: boolean): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}

/** How a read is billed: a strongly consistent read is the unit, the others half and twice that. */
export type ReadKind = "eventual" | "strong" | "transactional";

/** Units of one item's read: 1 per started 4 KB (at least 1) if strongly consistent. */
export function readUnitsOf(bytes: number, kind: ReadKind): number {
  const strong = Math.max(1, Math.ceil(bytes / 4096));
  return kind === "eventual" ? strong / 2 : kind === "transactional" ? strong * 2 : strong;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return sum(value.SS.map(utf8));
  if (value.NS !== undefined) return sum(value.NS.map(numberBytes));
  if (value.BS !== undefined) return sum(value.BS.map((bytes) => bytes.byteLength));
  if (value.L !== undefined) return 3 + sum(value.L.map((element) => 1 + valueBytes(element)));
  if (value.M !== undefined) {
    return (
      3 + sum(Object.entries(value.M).map(([name, inner]) => 1 + utf8(name) + valueBytes(inner)))
    );
  }
  throw new Error(`an attribute value of no known type: ${Object.keys(value).join(", ")}`);
}

/** Leading and trailing zeros are trimmed, as DynamoDB stores numbers. */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^[-+]/, "")
    .replace(/[eE].*$/, "")
    .replace(".", "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
