/** Status of an idempotency record. */
export const RecordStatus = {
  /** Claimed by an attempt that holds the lease; no answer stored yet. */
  InProgress: "IN_PROGRESS",
  /** The answer is stored and is replayed for the rest of the retention. */
  Completed: "COMPLETED",
} as const;
export type RecordStatus = (typeof RecordStatus)[keyof typeof RecordStatus];

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const REPLAYED_HEADER = "idempotent-replayed";

/** Methods that never claim a key: they are safe to repeat by definition. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** Longest key accepted, in characters (the IETF draft and Stripe allow 255). */
export const MAX_KEY_LENGTH = 255;

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
 * Largest stored response body, in bytes. DynamoDB items hold 400 KB; this
 * leaves room for the rest of the record and for transactions, whose total
 * size is capped at 4 MB.
 */
export const DEFAULT_MAX_STORED_BODY_BYTES = 64 * 1024;

/** Response headers kept with the record and replayed. */
export const DEFAULT_STORED_HEADERS: readonly string[] = ["content-type", "location", "etag"];

/**
 * Upper bound of `Retry-After` for a duplicate that arrives while the first
 * attempt runs. Most requests finish in well under a second; telling the
 * client to wait for the whole lease (up to the function timeout) would stall
 * it long after the answer is ready.
 */
export const MAX_IN_PROGRESS_RETRY_AFTER_SECONDS = 2;

/** `Retry-After` when the idempotency table cannot be reached. */
export const STORE_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;
