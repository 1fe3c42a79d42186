import type { CompletedRecord, IdempotencyRecord, InProgressRecord, Lease } from "./record";

export type ClaimResult =
  | { readonly claimed: true }
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
   * claims, one wins.
   *
   * @returns `claimed: true`, or the record that holds the key
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  claim(record: InProgressRecord, nowMs: number): Promise<ClaimResult>;

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
   * Deletes the record if this lease still holds it in progress, so a retry
   * can run at once. Never touches a record of another attempt.
   *
   * @returns whether the record was released
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  release(lease: Lease): Promise<boolean>;
}
