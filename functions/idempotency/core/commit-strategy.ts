import type { IdempotentAttempt, Settlement } from "./attempt";
import type { AttemptConfig } from "./attempt-config";
import { IdempotencyStrategy, RecordStatus } from "./constants";
import { answerFromRecord } from "./decide";
import { BusinessWriteRejectedError, IdempotencyConfigurationError } from "./errors";
import {
  type CompletedRecord,
  type IdempotencyRecord,
  type RequestIdentity,
  toEpochSeconds,
} from "./record";

/**
 * An attempt under the commit strategy: nothing was written before it ran.
 * Its answer is stored with its business writes in ONE atomic write that
 * succeeds only if no live record holds the key. When one does, nothing of
 * this attempt is written, and the record it lost to decides: the same
 * request's answer is replayed; another request's key is 422.
 */
export class CommitStrategyAttempt<TWrite> implements IdempotentAttempt<TWrite> {
  readonly strategy = IdempotencyStrategy.Commit;
  /** Nothing is written before the commit, so there is never a phase to resume after. */
  readonly recoveryPoint = undefined;
  settled = false;

  /**
   * @param peeked the key's live record, read while the handler ran (the
   *   `peek` option); `undefined` when nothing was read, or the read failed
   */
  constructor(
    private readonly config: AttemptConfig<TWrite>,
    private readonly identity: RequestIdentity,
    private readonly peeked?: Promise<IdempotencyRecord | undefined>,
  ) {}

  async advance(): Promise<void> {
    throw new IdempotencyConfigurationError(
      "Phases need the lease strategy: a commit-strategy attempt holds no claim to record them on.",
    );
  }

  /**
   * @throws BusinessWriteRejectedError when a business condition failed (a
   *   lost version race), or when the record that refused the commit has
   *   expired meanwhile: nothing was written; read again, decide again,
   *   commit again
   * @throws IdempotencyKeyReusedError when the key holds another request
   * @throws IdempotencyKeyInProgressError when a lease-strategy attempt of the
   *   same request holds the key
   */
  async commit(writes: readonly TWrite[], answer: string): Promise<Settlement> {
    const seen = await this.peeked;
    if (seen?.status === RecordStatus.Completed) {
      // A completed record cannot change while it lives: it decides without
      // a write (a replay, or 422 for another request's), unless it expired
      // meanwhile: then commit. An in-progress record may have completed or
      // gone since the peek: the commit's condition decides that one.
      this.settled = true;
      const outcome = answerFromRecord(seen, this.identity.fingerprint, this.config.now());
      if (outcome.kind === "replay") return outcome;
      this.settled = false;
    }
    const nowMs = this.config.now();
    const record: CompletedRecord = {
      pk: this.identity.pk,
      status: RecordStatus.Completed,
      fingerprint: this.identity.fingerprint,
      answer,
      expiresAt: toEpochSeconds(nowMs) + this.config.retentionSeconds,
      createdAtMs: nowMs,
      completedAtMs: nowMs,
    };
    const result = await this.config.store.commit(record, nowMs, writes);
    if (result.committed) {
      this.settled = true;
      return { kind: "stored" };
    }
    // Replayed or refused (422, 409): the key's answer is known either way.
    this.settled = true;
    const outcome = answerFromRecord(result.existing, this.identity.fingerprint, nowMs);
    if (outcome.kind === "replay") return outcome;
    // The record that refused the commit no longer stands in the way (it
    // expired in between): nothing was written, so run the attempt again.
    this.settled = false;
    throw new BusinessWriteRejectedError([], {
      cause: new Error("The record that refused the commit has expired."),
    });
  }

  /**
   * An answer without writes (a business 4xx), stored by one conditional
   * put. When the store fails, its error is the answer (the attempt changed
   * nothing, so the client may as well retry and get an answer that is stored).
   */
  async finish(answer: string): Promise<Settlement> {
    try {
      return await this.commit([], answer);
    } catch (error) {
      if (!(error instanceof BusinessWriteRejectedError)) throw error;
      // The record that refused the put expired meanwhile: the answer stands, unstored.
      this.settled = true;
      return { kind: "unstored", cause: error };
    }
  }

  /** Nothing was claimed, so nothing is let go. */
  async abandon(): Promise<void> {
    this.settled = true;
  }
}
