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
