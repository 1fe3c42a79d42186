import { MAX_IN_PROGRESS_RETRY_AFTER_SECONDS, RecordStatus } from "./constants";
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from "./errors";
import { type IdempotencyRecord, type InProgressRecord, isExpired, isLeaseExpired } from "./record";

export type Decision =
  /** Nobody holds the key (or its holder is gone): run the request. */
  | { readonly kind: "proceed" }
  /** The same request finished: answer with what it answered. */
  | { readonly kind: "replay"; readonly answer: string }
  /** The same request is still running under a live lease. */
  | { readonly kind: "in-progress"; readonly retryAfterSeconds: number }
  /** The key belongs to a different request. */
  | { readonly kind: "mismatch" };

/**
 * What to do with a request, given the record its key already has. Pure: the
 * same rule the stores' conditions enforce atomically, stated once in a form
 * that can be read and tested as a table.
 *
 * 1. No record, or one past its retention → proceed.
 * 2. A record of a different request → mismatch. A key stays bound to its
 *    first request for the whole retention, even when that request crashed.
 * 3. A completed record → replay its answer.
 * 4. In progress, lease run out → proceed (take over a crashed attempt).
 * 5. In progress, lease alive → in progress.
 */
export function decide(
  existing: IdempotencyRecord | undefined,
  fingerprint: string,
  nowMs: number,
): Decision {
  if (existing === undefined || isExpired(existing, nowMs)) return { kind: "proceed" };
  if (existing.fingerprint !== fingerprint) return { kind: "mismatch" };
  if (existing.status === RecordStatus.Completed)
    return { kind: "replay", answer: existing.answer };
  if (isLeaseExpired(existing, nowMs)) return { kind: "proceed" };
  return { kind: "in-progress", retryAfterSeconds: retryAfterSeconds(existing, nowMs) };
}

/**
 * The decision about a record that stopped this attempt (its claim or its
 * commit lost to it): the stored answer to replay, or the refusal as an
 * error (422 for another request, 409 for one still in progress).
 * `proceed` means the record no longer stands in the way: the attempt may
 * try again.
 */
export function answerFromRecord(
  existing: IdempotencyRecord | undefined,
  fingerprint: string,
  nowMs: number,
): { readonly kind: "replay"; readonly answer: string } | { readonly kind: "proceed" } {
  const decision = decide(existing, fingerprint, nowMs);
  switch (decision.kind) {
    case "mismatch":
      throw new IdempotencyKeyReusedError();
    case "in-progress":
      throw new IdempotencyKeyInProgressError(decision.retryAfterSeconds);
    default:
      return decision;
  }
}

/** Seconds until the lease ends, at least 1 and at most the cap. */
function retryAfterSeconds(record: InProgressRecord, nowMs: number): number {
  const untilLeaseEnds = Math.ceil((record.leaseExpiresAtMs - nowMs) / 1000);
  return Math.min(Math.max(untilLeaseEnds, 1), MAX_IN_PROGRESS_RETRY_AFTER_SECONDS);
}
