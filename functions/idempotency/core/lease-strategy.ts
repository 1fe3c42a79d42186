import { randomUUID } from "node:crypto";
import type { IdempotentAttempt, Settlement } from "./attempt";
import type { AttemptConfig } from "./attempt-config";
import {
  IdempotencyStrategy,
  RecordStatus,
  STORE_UNAVAILABLE_RETRY_AFTER_SECONDS,
} from "./constants";
import { answerFromRecord } from "./decide";
import { describeError } from "./describe-error";
import {
  BusinessWriteRejectedError,
  IdempotencyConfigurationError,
  IdempotencyError,
  IdempotencyKeyInProgressError,
  IdempotencyLeaseLostError,
  IdempotencyStoreUnavailableError,
} from "./errors";
import { type Lease, type RequestIdentity, toEpochSeconds } from "./record";

export type LeaseClaim<TWrite> =
  | { readonly kind: "claimed"; readonly attempt: LeaseStrategyAttempt<TWrite> }
  | { readonly kind: "replay"; readonly answer: string };

/**
 * The lease strategy's first step: ONE conditional write that either claims
 * the key for this attempt (a fresh lease token, the lease's end, the
 * retention) or, when it loses, returns the record that holds the key, from
 * which the stored answer is replayed or the refusal thrown (422 for another
 * request, 409 while the first still runs). A claim that takes over an
 * attempt of the same request resumes from that attempt's recovery point.
 *
 * @throws IdempotencyKeyReusedError, IdempotencyKeyInProgressError, or the store's errors
 */
export async function claimLease<TWrite>(
  config: AttemptConfig<TWrite>,
  identity: RequestIdentity,
  leaseMs: number,
): Promise<LeaseClaim<TWrite>> {
  const { pk, fingerprint } = identity;
  const nowMs = config.now();
  const leaseToken = randomUUID();
  const claim = await config.store
    .claim(
      {
        pk,
        status: RecordStatus.InProgress,
        fingerprint,
        leaseToken,
        leaseExpiresAtMs: nowMs + leaseMs,
        expiresAt: toEpochSeconds(nowMs) + config.retentionSeconds,
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
    const attempt = new LeaseStrategyAttempt(config, { pk, leaseToken }, claim.recoveryPoint);
    return { kind: "claimed", attempt };
  }
  const outcome = answerFromRecord(claim.existing, fingerprint, nowMs);
  // The store refused the claim but the record it returned would allow it:
  // the record changed in between. Ask for a retry, never run twice.
  if (outcome.kind === "proceed") throw new IdempotencyKeyInProgressError(1);
  return outcome;
}

/**
 * An attempt that holds the key under a lease. Every write it makes (a
 * phase, the completion, the release) is conditional on its lease token, so
 * an attempt whose lease was taken over can neither move the record on,
 * complete it, nor let go of the key of the attempt that took it.
 */
export class LeaseStrategyAttempt<TWrite> implements IdempotentAttempt<TWrite> {
  readonly strategy = IdempotencyStrategy.Lease;
  settled = false;
  /**
   * A phase whose write failed without saying whether it committed (a lost
   * answer): the record may hold its point, so it must not be deleted.
   */
  private phaseMayHaveCommitted = false;

  constructor(
    private readonly config: AttemptConfig<TWrite>,
    readonly lease: Lease,
    private point: string | undefined,
  ) {}

  get recoveryPoint(): string | undefined {
    return this.point;
  }

  async advance(point: string, writes: readonly TWrite[] = []): Promise<void> {
    this.assertOpen();
    try {
      await this.fenced(() => this.config.store.advance(this.lease, point, writes));
    } catch (error) {
      // A refused phase wrote nothing; any other failure may have committed.
      const refused =
        error instanceof BusinessWriteRejectedError || error instanceof IdempotencyLeaseLostError;
      if (!refused) this.phaseMayHaveCommitted = true;
      throw error;
    }
    this.point = point;
  }

  async commit(writes: readonly TWrite[], answer: string): Promise<Settlement> {
    this.assertOpen();
    await this.fenced(() =>
      this.config.store.complete(this.lease, answer, this.config.now(), writes),
    );
    this.settled = true;
    return { kind: "stored" };
  }

  /**
   * Stores the answer after the effects. When that fails for any reason but
   * a lost lease, the effects are done and the answer stands: the key stays
   * claimed until its lease runs out, and a retry after that resumes from
   * the recovery point (or runs again, when there is none).
   */
  async finish(answer: string): Promise<Settlement> {
    this.assertOpen();
    try {
      return await this.commit([], answer);
    } catch (error) {
      this.settled = true;
      if (error instanceof IdempotencyLeaseLostError) throw error;
      this.config.logger.error("idempotent answer not stored", describeError(error));
      return { kind: "unstored", cause: error };
    }
  }

  /** Lets go of the key; a committed phase stays, for the retry to resume after. */
  async abandon(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    try {
      await this.config.store.release(this.lease, {
        // The record stays (its lease ended) for the retry to read where it is.
        keepRecoveryPoint: this.point !== undefined || this.phaseMayHaveCommitted,
      });
    } catch (error) {
      // The lease runs out on its own; a retry can take over then.
      this.config.logger.warn("idempotency claim not released", describeError(error));
    }
  }

  private assertOpen(): void {
    if (this.settled) {
      throw new IdempotencyConfigurationError("The attempt has ended: it may write no more.");
    }
  }

  /** A write of this lease; losing the lease ends the attempt. */
  private async fenced(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (error instanceof IdempotencyLeaseLostError) this.settled = true;
      throw error;
    }
  }
}
