import type { CompletedRecord, IdempotencyRecord, InProgressRecord, Lease } from "./record";

export type ClaimResult =
  /**
   * The key is this attempt's. When it took over an attempt of the same
   * request that had committed a phase, `recoveryPoint` says which: resume after it.
   */
  | { readonly claimed: true; readonly recoveryPoint?: string }
  | { readonly claimed: false; readonly existing: IdempotencyRecord };

export type CommitResult =
  | { readonly committed: true }
  /** A live record holds the key; nothing of this commit was written. */
  | { readonly committed: false; readonly existing: IdempotencyRecord };

/**
 * Where idempotency records live. Two adapters implement it and pass one
 * contract suite: DynamoDB (production) and in memory (unit tests, fakes).
 *
 * `TWrite` is the adapter's unit of business write that can be committed
 * together with a record: a `TransactWriteItem` for DynamoDB.
 */
export interface IdempotencyStore<TWrite = never> {
  /**
   * The live record of `pk` (absent, or past its retention: `undefined`),
   * read consistently: what a commit-strategy attempt that peeks reads while
   * its handler runs. Optional: a store without it never peeks.
   *
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  peek?(pk: string, nowMs: number): Promise<IdempotencyRecord | undefined>;

  /**
   * The commit strategy: writes the completed `record` (and `writes`, all or
   * nothing) if, and only if, no live record holds its key: the key is
   * absent or past its retention. Atomic: of any number of concurrent
   * commits of one key, one wins.
   *
   * @returns `committed: true`, or the live record that holds the key
   *   (nothing of this commit was written)
   * @throws BusinessWriteRejectedError when a condition of `writes` failed or
   *   a concurrent transaction touched them: nothing was written; read again,
   *   decide again
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  commit(record: CompletedRecord, nowMs: number, writes?: readonly TWrite[]): Promise<CommitResult>;

  /**
   * The lease strategy's claim: writes `record` if, and only if, `decide`
   * would say `proceed` for it: the key is free, expired, or held by a
   * run-out lease of the same request. Atomic: of any number of concurrent
   * claims, one wins. Taking over a run-out lease keeps the record's
   * retention and its recovery point, and changes only the lease (token and
   * end).
   *
   * @returns `claimed: true` (with the recovery point of a takeover), or the
   *   record that holds the key
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  claim(record: InProgressRecord, nowMs: number): Promise<ClaimResult>;

  /**
   * Commits a phase of a lease-strategy attempt: sets the record's recovery
   * point to `point` if this lease still holds it, together with `writes`,
   * all or nothing.
   *
   * @throws IdempotencyLeaseLostError when the record is no longer this lease's
   * @throws BusinessWriteRejectedError when a condition of `writes` failed
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  advance(lease: Lease, point: string, writes?: readonly TWrite[]): Promise<void>;

  /**
   * Marks the claimed record completed with its answer, if this lease still
   * holds it. With `writes`, the writes and the completion commit
   * atomically: all or nothing.
   *
   * @throws IdempotencyLeaseLostError when the record is no longer this lease's
   * @throws BusinessWriteRejectedError when a condition of `writes` failed
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  complete(
    lease: Lease,
    answer: string,
    completedAtMs: number,
    writes?: readonly TWrite[],
  ): Promise<void>;

  /**
   * Lets go of the key if this lease still holds it in progress, so a retry
   * can run at once: deletes the record, or, with `keepRecoveryPoint`, ends
   * its lease and keeps it, so the retry takes over from its recovery point.
   * Never touches a record of another attempt.
   *
   * @returns whether the record was released
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  release(lease: Lease, options?: { readonly keepRecoveryPoint?: boolean }): Promise<boolean>;
}
