import type { IdempotencyStrategy } from "./constants";

/**
 * How an attempt's answer ended up, once it tried to store it:
 * - `stored`: this answer is now the key's (with its writes, when it had any);
 * - `replay`: another attempt of the same request stored its answer first:
 *   that one is the key's, and this attempt wrote nothing;
 * - `unstored`: the answer stands but is not the key's (its record could not
 *   be stored, and the attempt's effects are already done): a retry decides
 *   again, from the recovery point when there is one.
 */
export type Settlement =
  | { readonly kind: "stored" }
  | { readonly kind: "replay"; readonly answer: string }
  | { readonly kind: "unstored"; readonly cause: unknown };

/**
 * ONE attempt of a keyed request, whatever the strategy: both faces (the
 * HTTP middleware and `makeIdempotent`) drive this lifecycle, and a strategy
 * is a policy of it, not a branch in each face.
 *
 *     begin ─┬─ replay (the key's stored answer; nothing runs)
 *            └─ run ── advance* ──┬─ commit (writes + answer, atomically)
 *                                 ├─ finish (the answer alone)
 *                                 └─ abandon (nothing stored; a retry runs)
 *
 * Under the **commit** strategy nothing is written before `commit`/`finish`,
 * and `advance` is refused (a phase needs a claim to hang on). Under the
 * **lease** strategy `begin` claimed the key; `advance` commits a phase (its
 * writes and the record's new recovery point, fenced by the lease token), so
 * that an attempt that takes over, after a crash or an abandon, starts from
 * `recoveryPoint` instead of from the beginning.
 */
export interface IdempotentAttempt<TWrite> {
  readonly strategy: IdempotencyStrategy;
  /**
   * The last phase an attempt of this request committed (`advance`), where
   * this one resumes; `undefined` for a run from the beginning.
   */
  readonly recoveryPoint: string | undefined;
  /** The key's answer is known or the attempt ended: nothing more may be done with it. */
  readonly settled: boolean;
  /**
   * Commits a phase: `writes` and the record's move to `point`, in one
   * atomic write, only while this attempt holds the key (lease strategy).
   *
   * @throws BusinessWriteRejectedError when a condition of `writes` failed:
   *   nothing was written and the attempt still holds the key
   * @throws IdempotencyLeaseLostError when another attempt took the key over
   * @throws IdempotencyConfigurationError under the commit strategy
   */
  advance(point: string, writes?: readonly TWrite[]): Promise<void>;
  /**
   * The exactly-once path: `writes` and `answer` in ONE atomic write.
   *
   * @returns `stored`, or (commit strategy) `replay` with the answer a duplicate committed first
   * @throws BusinessWriteRejectedError when a condition of `writes` failed:
   *   nothing was written; read again, decide again, commit again
   * @throws IdempotencyKeyReusedError (commit strategy) when the key holds another request
   * @throws IdempotencyLeaseLostError (lease strategy) when a retry took the key over
   */
  commit(writes: readonly TWrite[], answer: string): Promise<Settlement>;
  /**
   * Stores an answer that did not go through `commit` (an answer without
   * writes, or the answer after effects elsewhere).
   *
   * @throws an IdempotencyError when storing it failed and the answer must
   *   not stand (commit strategy: nothing was done, so the store's 503 or the
   *   key's 422 is the answer), or the lease was lost
   */
  finish(answer: string): Promise<Settlement>;
  /**
   * Ends the attempt without an answer to store (a 5xx, a crash, an answer
   * too large to store): a retry may run at once, from the recovery point
   * when a phase was committed. Never throws: a failure to let go is logged,
   * and the lease runs out on its own.
   */
  abandon(): Promise<void>;
}

/** How a keyed request begins: its stored answer, or an attempt to run. */
export type Beginning<TWrite> =
  | { readonly kind: "replay"; readonly answer: string }
  | { readonly kind: "run"; readonly attempt: IdempotentAttempt<TWrite> };
