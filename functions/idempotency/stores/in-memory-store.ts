import { RecordStatus } from "../core/constants";
import { decide } from "../core/decide";
import {
  BusinessWriteRejectedError,
  type BusinessWriteRejection,
  IdempotencyLeaseLostError,
} from "../core/errors";
import {
  type CompletedRecord,
  type IdempotencyRecord,
  type InProgressRecord,
  isExpired,
  type Lease,
} from "../core/record";
import type { ClaimResult, CommitResult, IdempotencyStore } from "../core/store";

/**
 * A business write for the in-memory store: applied only if every condition
 * of the commit holds, like one item of a DynamoDB transaction.
 */
export interface InMemoryWrite {
  /** The write's own condition; `false` rejects the whole commit. @default always true */
  readonly condition?: () => boolean;
  readonly apply: () => void;
}

/**
 * Idempotency records in a Map. A JavaScript turn is atomic, so each method
 * does its check and its write without awaiting in between, as one
 * conditional DynamoDB request would.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore<InMemoryWrite> {
  private readonly records = new Map<string, IdempotencyRecord>();

  async commit(
    record: CompletedRecord,
    nowMs: number,
    writes: readonly InMemoryWrite[] = [],
  ): Promise<CommitResult> {
    const existing = this.records.get(record.pk);
    if (existing && !isExpired(existing, nowMs)) {
      return { committed: false, existing: structuredClone(existing) };
    }
    this.applyAll(writes);
    this.records.set(record.pk, structuredClone(record));
    return { committed: true };
  }

  async claim(record: InProgressRecord, nowMs: number): Promise<ClaimResult> {
    const existing = this.records.get(record.pk);
    if (existing && decide(existing, record.fingerprint, nowMs).kind !== "proceed") {
      return { claimed: false, existing: structuredClone(existing) };
    }
    if (existing?.status === RecordStatus.InProgress && !isExpired(existing, nowMs)) {
      // A takeover: only the lease changes; the retention and the recovery point stay.
      const { leaseToken, leaseExpiresAtMs } = record;
      this.records.set(record.pk, { ...existing, leaseToken, leaseExpiresAtMs });
      const { recoveryPoint } = existing;
      return recoveryPoint ? { claimed: true, recoveryPoint } : { claimed: true };
    }
    this.records.set(record.pk, structuredClone(record));
    return { claimed: true };
  }

  async advance(lease: Lease, point: string, writes: readonly InMemoryWrite[] = []): Promise<void> {
    const current = this.ownedInProgress(lease);
    if (current === undefined) throw new IdempotencyLeaseLostError();
    this.applyAll(writes);
    this.records.set(lease.pk, { ...current, recoveryPoint: point });
  }

  async complete(
    lease: Lease,
    answer: string,
    completedAtMs: number,
    writes: readonly InMemoryWrite[] = [],
  ): Promise<void> {
    const current = this.ownedInProgress(lease);
    if (current === undefined) throw new IdempotencyLeaseLostError();
    this.applyAll(writes);
    this.records.set(lease.pk, {
      ...current,
      status: RecordStatus.Completed,
      answer,
      completedAtMs,
    });
  }

  async release(lease: Lease, options: { keepRecoveryPoint?: boolean } = {}): Promise<boolean> {
    const current = this.ownedInProgress(lease);
    if (current === undefined) return false;
    if (options.keepRecoveryPoint) this.records.set(lease.pk, { ...current, leaseExpiresAtMs: 0 });
    else this.records.delete(lease.pk);
    return true;
  }

  async peek(pk: string, nowMs: number): Promise<IdempotencyRecord | undefined> {
    const record = this.records.get(pk);
    return record && !isExpired(record, nowMs) ? structuredClone(record) : undefined;
  }

  /** A copy of the stored record, for assertions. */
  get(pk: string): IdempotencyRecord | undefined {
    const record = this.records.get(pk);
    return record && structuredClone(record);
  }

  /** Replaces a record as it is, for tests that prepare a state. */
  put(record: IdempotencyRecord): void {
    this.records.set(record.pk, structuredClone(record));
  }

  /** All of `writes`, or none when any condition fails (a cancelled transaction). */
  private applyAll(writes: readonly InMemoryWrite[]): void {
    const rejections: BusinessWriteRejection[] = writes.map((write) => ({
      failed: write.condition ? !write.condition() : false,
    }));
    if (rejections.some((rejection) => rejection.failed)) {
      throw new BusinessWriteRejectedError(rejections);
    }
    for (const write of writes) write.apply();
  }

  private ownedInProgress(lease: Lease): InProgressRecord | undefined {
    const current = this.records.get(lease.pk);
    return current?.status === RecordStatus.InProgress && current.leaseToken === lease.leaseToken
      ? current
      : undefined;
  }
}
