import { RecordStatus } from "./constants";
import { decide } from "./decide";
import {
  BusinessWriteRejectedError,
  type BusinessWriteRejection,
  IdempotencyLeaseLostError,
} from "./errors";
import type { IdempotencyRecord, InProgressRecord, Lease, StoredResponse } from "./record";
import type { ClaimResult, IdempotencyStore } from "./store";

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

  async claim(record: InProgressRecord, nowMs: number): Promise<ClaimResult> {
    const existing = this.records.get(record.pk);
    if (existing && decide(existing, record.fingerprint, nowMs).kind !== "proceed") {
      return { claimed: false, existing: structuredClone(existing) };
    }
    this.records.set(record.pk, structuredClone(record));
    return { claimed: true };
  }

  async complete(
    lease: Lease,
    response: StoredResponse,
    completedAtMs: number,
    writes: readonly InMemoryWrite[] = [],
  ): Promise<void> {
    const current = this.ownedInProgress(lease);
    const rejections: BusinessWriteRejection[] = writes.map((write) => ({
      failed: write.condition ? !write.condition() : false,
    }));
    if (current === undefined) throw new IdempotencyLeaseLostError();
    if (rejections.some((rejection) => rejection.failed)) {
      throw new BusinessWriteRejectedError(rejections);
    }
    for (const write of writes) write.apply();
    this.records.set(lease.pk, {
      ...current,
      status: RecordStatus.Completed,
      response: structuredClone(response),
      completedAtMs,
    });
  }

  async release(lease: Lease): Promise<boolean> {
    if (this.ownedInProgress(lease) === undefined) return false;
    this.records.delete(lease.pk);
    return true;
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

  private ownedInProgress(lease: Lease): InProgressRecord | undefined {
    const current = this.records.get(lease.pk);
    return current?.status === RecordStatus.InProgress && current.leaseToken === lease.leaseToken
      ? current
      : undefined;
  }
}
