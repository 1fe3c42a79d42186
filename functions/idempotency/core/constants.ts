/** Status of an idempotency record. */
export const RecordStatus = {
  /** Claimed by a lease-strategy attempt that holds the lease; no answer stored yet. */
  InProgress: "IN_PROGRESS",
  /** The answer is stored and is replayed for the rest of the retention. */
  Completed: "COMPLETED",
} as const;
export type RecordStatus = (typeof RecordStatus)[keyof typeof RecordStatus];

/**
 * How a key is protected while its first request runs.
 *
 * - `commit`: nothing is written before the handler. The record is put,
 *   completed, in the same DynamoDB transaction as the business writes, only
 *   if no live record exists. For handlers whose every effect is a DynamoDB
 *   write: idempotency then costs one more item in a transaction the handler
 *   sends anyway.
 * - `lease`: the key is claimed before the handler runs, under a lease, and
 *   completed after. For handlers whose effects leave DynamoDB (an HTTP call,
 *   an e-mail, a message).
 */
export const IdempotencyStrategy = {
  Commit: "commit",
  Lease: "lease",
} as const;
export type IdempotencyStrategy = (typeof IdempotencyStrategy)[keyof typeof IdempotencyStrategy];

/** How long a completed answer is replayed: 24 h, as Stripe and the IETF draft suggest. */
export const DEFAULT_RETENTION_SECONDS = 86_400;

/**
 * Added to the invocation's remaining time to form the lease. Lambda stops a
 * timed-out invocation within this margin, so a takeover never races an
 * attempt that is still able to commit; it is small so a crashed attempt
 * blocks retries for barely longer than it could have run.
 */
export const DEFAULT_LEASE_MARGIN_MS = 1_000;

/** Lease used when the context has no deadline (tests, other runtimes). */
export const DEFAULT_LEASE_WITHOUT_DEADLINE_MS = 30_000;

/**
 * Largest stored answer, in bytes. DynamoDB items hold 400 KB; this leaves
 * room for the rest of the record and for transactions, whose total size is
 * capped at 4 MB.
 */
export const DEFAULT_MAX_STORED_ANSWER_BYTES = 64 * 1024;

/**
 * Upper bound of `Retry-After` for a duplicate that arrives while the first
 * attempt runs under a lease. Most requests finish in well under a second;
 * telling the client to wait for the whole lease (up to the function
 * timeout) would stall it long after the answer is ready.
 */
export const MAX_IN_PROGRESS_RETRY_AFTER_SECONDS = 2;

/** `Retry-After` when the idempotency table cannot be reached. */
export const STORE_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * How long a commit waits for its peek (a consistent GetItem, a few
 * milliseconds on DynamoDB) before it commits without it: a slow or failing
 * store costs a peeking attempt at most this, never the SDK's retries.
 */
export const PEEK_BUDGET_MS = 200;
