import type { IdempotencyLogger } from "./logger";
import type { IdempotencyStore } from "./store";

/** What an attempt of either strategy works with: the face's resolved options. */
export interface AttemptConfig<TWrite> {
  readonly store: IdempotencyStore<TWrite>;
  readonly retentionSeconds: number;
  readonly now: () => number;
  readonly logger: IdempotencyLogger;
}
