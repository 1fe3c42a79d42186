import { performance } from "node:perf_hooks";

const startedAt = performance.now();

/** Progress goes to stderr, so stdout carries the Markdown alone. */
export function progress(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${message}\n`);
}
