/**
 * The exactly-once path both faces hand to the code they wrap: commits
 * `writes` and `result` (the answer that is stored for retries) in ONE
 * atomic write, and returns the result to answer with: `result`, or (commit
 * strategy) the result a duplicate committed first.
 *
 * The function face stores `result` as JSON; the HTTP face stores an HTTP
 * answer (`Commit<TWrite, HttpResult>`).
 *
 * @throws BusinessWriteRejectedError when a condition of `writes` failed:
 *   nothing was written; read again, decide again, commit again
 * @throws IdempotencyKeyReusedError (commit strategy) when the key holds
 *   another request
 * @throws IdempotencyLeaseLostError (lease strategy) when a retry took the key over
 *
 * @example
 * const receipt = await commit([debit, ledgerEntry], { paymentId, amount });
 */
export type Commit<TWrite, TResult> = (
  writes: readonly TWrite[],
  result: TResult,
) => Promise<TResult>;
