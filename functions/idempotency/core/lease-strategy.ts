import { randomUUID } from "node:crypto";
import { RecordStatus, STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from "./constants";
import { answerFromRecord } from "./decide";
import {
  IdempotencyError,
  IdempotencyKeyInProgressError,
  IdempotencyLeaseLostError,
  IdempotencyStoreUnavailableError,
} from "./errors";
import { type Lease, type RequestIdentity, toEpochSeconds } from "./record";
import type { IdempotencyStore } from "./store";

export interface LeaseClaimRequest extends RequestIdentity {
  readonly nowMs: number;
  /** How long no other attempt may take the key over. */
  readonly leaseMs: number;
  readonly retentionSeconds: number;
}

export type LeaseClaim<TWrite> =
  | { readonly kind: "claimed"; readonly attempt: LeasedAttempt<TWrite> }
  | { readonly kind: "replay"; readonly answer: string };

/**
 * The lease strategy's first step: ONE conditional write that either claims
 * the key for this attempt (a fresh lease token, the lease's end, the
 * retention) or, when it loses, returns the record that holds the key, from
 * which the stored answer is replayed or the refusal thrown (422 for another
 * request, 409 while the first still runs).
 *
 * @throws IdempotencyKeyReusedError, IdempotencyKeyInProgressError, or the store's errors
 */
export async function claimLease<TWrite>(
  store: IdempotencyStore<TWrite>,
  request: LeaseClaimRequest,
): Promise<LeaseClaim<TWrite>> {
  const { pk, fingerprint, nowMs } = request;
  const leaseToken = randomUUID();
  const claim = await store
    .claim(
      {
        pk,
        status: RecordStatus.InProgress,
        fingerprint,
        leaseToken,
        leaseExpiresAtMs: nowMs + request.leaseMs,
        expiresAt: toEpochSeconds(nowMs) + request.retentionSeconds,
        createdAtMs: nowMs,
      },
      nowMs,
    )
    .catch((error: unknown) => {
      throw error instanceof IdempotencyError
        ? error
        : new IdempotencyStoreUnavailableError(STORE_UNAVAILABLE_RETRY_AFTER_SECONDS, {
            cause: error,
          });
    });
  if (claim.claimed) {
    return { kind: "claimed", attempt: new LeasedAttempt(store, { pk, leaseToken }) };
  }
  const outcome = answerFromRecord(claim.existing, fingerprint, nowMs);
  // The store refused the claim but the record it returned would allow it:
  // the record changed in between. Ask for a retry, never run twice.
  if (outcome.kind === "proceed") throw new IdempotencyKeyInProgressError(1);
  return outcome;
}

/**
 * An attempt that holds the key under a lease. It ends in exactly one of:
 * `commit` (business writes and the completion in one atomic write),
 * `complete` (the answer alone, after effects elsewhere) or `release` (the
 * attempt failed: a retry may run at once). Every one is conditional on this
 * attempt's lease token, so an attempt whose lease was taken over can
 * neither complete nor release the key of the attempt that took it.
 */
export class LeasedAttempt<TWrite> {
  /** Completed, released or lost: nothing more may be done with the key. */
  settled = false;

  constructor(
    private readonly store: IdempotencyStore<TWrite>,
    readonly lease: Lease,
  ) {}

  /**
   * The exactly-once path: `writes` and the completion in one atomic write.
   * A rejected business write leaves the attempt open: read again, decide
   * again, commit again.
   *
   * @throws BusinessWriteRejectedError, IdempotencyLeaseLostError, or the store's errors
   */
  async commit(writes: readonly TWrite[], answer: string, completedAtMs: number): Promise<void> {
    try {
      await this.store.complete(this.lease, answer, completedAtMs, writes);
      this.settled = true;
    } catch (error) {
      if (error instanceof IdempotencyLeaseLostError) this.settled = true;
      throw error;
    }
  }

  /** Stores the answer, once the effects are done. @throws IdempotencyLeaseLostError, or the store's errors */
  async complete(answer: string, completedAtMs: number): Promise<void> {
    this.settled = true;
    await this.store.complete(this.lease, answer, completedAtMs);
  }

  /** Frees the key for a retry. @returns whether this attempt still held it */
  async release(): Promise<boolean> {
    this.settled = true;
    return this.store.release(this.lease);
  }
}
