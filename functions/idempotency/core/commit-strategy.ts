import { RecordStatus } from "./constants";
import { answerFromRecord } from "./decide";
import { BusinessWriteRejectedError } from "./errors";
import { type CompletedRecord, type RequestIdentity, toEpochSeconds } from "./record";
import type { IdempotencyStore } from "./store";

export type CommitOutcome =
  /** This attempt's writes and answer are the key's: they committed together. */
  | { readonly kind: "committed" }
  /** Another attempt of the same request committed first: answer with its answer. */
  | { readonly kind: "replay"; readonly answer: string };

/**
 * An attempt under the commit strategy: nothing was written before it ran.
 * Its answer is stored with its business writes in ONE atomic write that
 * succeeds only if no live record holds the key. When one does, nothing of
 * this attempt is written, and the record it lost to decides: the same
 * request's answer is replayed; another request's key is 422.
 */
export class CommittingAttempt<TWrite> {
  /** Committed, replayed or refused: the key's answer is known. */
  settled = false;

  constructor(
    private readonly store: IdempotencyStore<TWrite>,
    private readonly identity: RequestIdentity,
    private readonly retentionSeconds: number,
    private readonly now: () => number,
  ) {}

  /**
   * Commits `writes` (none for an answer without effects, such as a business
   * 4xx) together with the completed record holding `answer`.
   *
   * @throws BusinessWriteRejectedError when a business condition failed (a
   *   lost version race): nothing was written; read again, decide again,
   *   commit again
   * @throws IdempotencyKeyReusedError when the key holds another request
   * @throws IdempotencyKeyInProgressError when a lease-strategy attempt of the
   *   same request holds the key
   */
  async commit(writes: readonly TWrite[], answer: string): Promise<CommitOutcome> {
    const nowMs = this.now();
    const record: CompletedRecord = {
      pk: this.identity.pk,
      status: RecordStatus.Completed,
      fingerprint: this.identity.fingerprint,
      answer,
      expiresAt: toEpochSeconds(nowMs) + this.retentionSeconds,
      createdAtMs: nowMs,
      completedAtMs: nowMs,
    };
    const result = await this.store.commit(record, nowMs, writes);
    if (result.committed) {
      this.settled = true;
      return { kind: "committed" };
    }
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
}
