/** A Markdown table; numbers are formatted by the caller. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((_, index) => (index === 0 ? "---" : "---:"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

export const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : "n/a");

/** `value / baseline` as `1.23×`. */
export const ratio = (value: number, baseline: number) =>
  Number.isFinite(value) && baseline > 0 ? `${(value / baseline).toFixed(2)}×` : "n/a";

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Each round's ratio, in round order: `1.04 · 1.07 · 1.02 · 1.05`. */
export const roundRatios = (ratios: readonly number[]) =>
  ratios.map((value) => (Number.isFinite(value) ? value.toFixed(2) : "n/a")).join(" · ");

/** The lowest and highest of some measurements: `4.7–6.6`. */
export function spread(values: readonly number[], digits = 1): string {
  if (values.length === 0) return "n/a";
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

/** The value when every measurement agrees, else their spread: `8` or `8–10`. */
export function constantOrSpread(values: readonly number[], digits = 1): string {
  if (values.length === 0) return "n/a";
  const [first = Number.NaN] = values;
  return values.every((value) => value === first) ? String(first) : spread(values, digits);
}
