import type { IdempotencyRecord, InProgressRecord, Lease, StoredResponse } from "./record";

export type ClaimResult =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly existing: IdempotencyRecord };

/**
 * Where idempotency records live. Two adapters implement it and pass one
 * contract suite: DynamoDB (production) and in memory (unit tests, fakes).
 *
 * `TWrite` is the adapter's unit of business write that can be committed
 * together with a completion: a `TransactWriteItem` for DynamoDB.
 */
export interface IdempotencyStore<TWrite = never> {
  /**
   * Writes `record` if, and only if, {@link decide} would say `proceed` for
   * it: the key is free, expired, or held by a run-out lease of the same
   * request. Atomic: of any number of concurrent claims, one wins.
   *
   * @returns `claimed: true`, or the record that holds the key
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  claim(record: InProgressRecord, nowMs: number): Promise<ClaimResult>;

  /**
   * Marks the record completed with its answer, if this lease still holds it.
   * With `writes`, the writes and the completion commit atomically: all or
   * nothing.
   *
   * @throws IdempotencyLeaseLostError when the record is no longer this lease's
   * @throws BusinessWriteRejectedError when a condition of `writes` failed
   * @throws IdempotencyStoreUnavailableError when the store cannot answer
   */
  complete(
    lease: Lease,
    response: StoredResponse,
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
