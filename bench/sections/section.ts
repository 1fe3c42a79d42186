import type { BenchDatabase } from "../support/bench-database";

/** One part of the benchmark: runs, then returns its Markdown. */
export interface BenchSection {
  readonly title: string;
  run(database: BenchDatabase): Promise<string>;
}
