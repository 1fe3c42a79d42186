import { randomUUID } from "node:crypto";
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type Put,
  PutItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { RecordStatus } from "../core/constants";
import { decide } from "../core/decide";
import {
  BusinessWriteRejectedError,
  IdempotencyKeyInProgressError,
  IdempotencyLeaseLostError,
  IdempotencyStoreError,
} from "../core/errors";
import {
  type CompletedRecord,
  type IdempotencyRecord,
  type InProgressRecord,
  idempotencyRecordSchema,
  isExpired,
  type Lease,
  toEpochSeconds,
} from "../core/record";
import type { ClaimResult, CommitResult, IdempotencyStore } from "../core/store";
import {
  type CancellationReason,
  cancellationReasons,
  isConditionalCheckFailure,
  isTransactionConflict,
  storeFailure,
} from "./dynamodb-errors";

export interface DynamoDbIdempotencyStoreOptions {
  /** A low-level client: it returns the old item of a failed condition as-is. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** No live record holds the key: it is absent or past its retention (the commit strategy's rule). */
const NO_LIVE_RECORD = "attribute_not_exists(pk) OR expiresAt < :nowSeconds";

/** Fencing: only the attempt holding the lease may complete or release. */
const OWN_LEASE_CONDITION = "#status = :inProgress AND leaseToken = :leaseToken";

/**
 * A lone conditional put that lost to a concurrent transaction on its item is
 * tried again this often: it changes nothing unless it wins, so a repeat is safe.
 */
export const MAX_PUT_CONFLICTS = 3;

/**
 * Idempotency records in a DynamoDB table with partition key `pk` and TTL on
 * `expiresAt`. Every write that can lose is conditional and, when it loses,
 * returns the record that won (`ReturnValuesOnConditionCheckFailure:
 * ALL_OLD`), so a duplicate learns its answer without another read.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore<TransactWriteItem> {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: DynamoDbIdempotencyStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async commit(
    record: CompletedRecord,
    nowMs: number,
    writes: readonly TransactWriteItem[] = [],
  ): Promise<CommitResult> {
    const put = this.recordPut(record, nowMs);
    return writes.length === 0
      ? this.putAlone(put, record.pk, nowMs)
      : this.putWith(put, writes, record.pk, nowMs);
  }

  /**
   * A free or expired key costs one conditional put. A put refused by a
   * run-out lease of the same request is followed by the takeover, one
   * update fenced on the lease it replaces, which keeps the recovery point.
   */
  async claim(record: InProgressRecord, nowMs: number): Promise<ClaimResult> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(record),
          ConditionExpression: NO_LIVE_RECORD,
          ExpressionAttributeValues: marshall({ ":nowSeconds": toEpochSeconds(nowMs) }),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionalCheckFailure(error) || !error.Item) throw storeFailure(error);
      const existing = parseRecord(unmarshall(error.Item));
      if (existing.status !== RecordStatus.InProgress) return { claimed: false, existing };
      if (decide(existing, record.fingerprint, nowMs).kind !== "proceed") {
        return { claimed: false, existing };
      }
      return this.takeOver(existing, record, nowMs);
    }
  }

  /**
   * The lease of `previous` ran out: this attempt's lease replaces it, if
   * nobody else's did first. The recovery point is read in the same write
   * (the item as it was), so a phase the previous attempt committed at the
   * last moment is not missed.
   */
  private async takeOver(
    previous: InProgressRecord,
    record: InProgressRecord,
    nowMs: number,
  ): Promise<ClaimResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ pk: record.pk }),
          UpdateExpression: "SET leaseToken = :newLeaseToken, leaseExpiresAtMs = :leaseExpiresAtMs",
          ConditionExpression: `${OWN_LEASE_CONDITION} AND leaseExpiresAtMs < :nowMs`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: marshall({
            ":inProgress": RecordStatus.InProgress,
            ":leaseToken": previous.leaseToken,
            ":nowMs": nowMs,
            ":newLeaseToken": record.leaseToken,
            ":leaseExpiresAtMs": record.leaseExpiresAtMs,
          }),
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      const replaced = Attributes ? parseRecord(unmarshall(Attributes)) : undefined;
      const recoveryPoint = replaced?.recoveryPoint;
      return recoveryPoint ? { claimed: true, recoveryPoint } : { claimed: true };
    } catch (error) {
      if (isConditionalCheckFailure(error)) {
        // Another attempt took it over or completed it in between: that record decides.
        if (error.Item) return { claimed: false, existing: parseRecord(unmarshall(error.Item)) };
        // Its holder released it in between: the key is free, but not this
        // attempt's yet. Come back at once (never a 500 for a race).
        throw new IdempotencyKeyInProgressError(1);
      }
      throw storeFailure(error);
    }
  }

  async advance(
    lease: Lease,
    point: string,
    writes: readonly TransactWriteItem[] = [],
  ): Promise<void> {
    await this.fenced(
      {
        ...this.ownLease(lease),
        UpdateExpression: "SET recoveryPoint = :recoveryPoint",
        ExpressionAttributeValues: marshall({
          ...this.ownLeaseValues(lease),
          ":recoveryPoint": point,
        }),
      },
      writes,
    );
  }

  async complete(
    lease: Lease,
    answer: string,
    completedAtMs: number,
    writes: readonly TransactWriteItem[] = [],
  ): Promise<void> {
    await this.fenced(
      {
        ...this.ownLease(lease),
        UpdateExpression:
          "SET #status = :completed, answer = :answer, completedAtMs = :completedAtMs",
        ExpressionAttributeValues: marshall({
          ...this.ownLeaseValues(lease),
          ":completed": RecordStatus.Completed,
          ":answer": answer,
          ":completedAtMs": completedAtMs,
        }),
      },
      writes,
    );
  }

  async release(lease: Lease, options: { keepRecoveryPoint?: boolean } = {}): Promise<boolean> {
    try {
      if (options.keepRecoveryPoint) {
        // The lease ends now: the next claim of the same request takes over at once.
        await this.client.send(
          new UpdateItemCommand({
            ...this.ownLease(lease),
            UpdateExpression: "SET leaseExpiresAtMs = :ended",
            ExpressionAttributeValues: marshall({ ...this.ownLeaseValues(lease), ":ended": 0 }),
          }),
        );
      } else {
        await this.client.send(new DeleteItemCommand(this.ownLease(lease)));
      }
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw storeFailure(error);
    }
  }

  /** The record of `lease`, with the condition that this lease still holds it in progress. */
  private ownLease(lease: Lease) {
    return {
      TableName: this.tableName,
      Key: marshall({ pk: lease.pk }),
      ConditionExpression: OWN_LEASE_CONDITION,
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: marshall(this.ownLeaseValues(lease)),
    };
  }

  private ownLeaseValues(lease: Lease) {
    return { ":inProgress": RecordStatus.InProgress, ":leaseToken": lease.leaseToken };
  }

  /**
   * An update of this lease's record, alone or as the last item of one
   * transaction with `writes`: all or nothing, and nothing once the lease is lost.
   */
  private async fenced(update: Update, writes: readonly TransactWriteItem[]): Promise<void> {
    if (writes.length === 0) {
      try {
        await this.client.send(new UpdateItemCommand(update));
      } catch (error) {
        if (isConditionalCheckFailure(error)) throw new IdempotencyLeaseLostError();
        throw storeFailure(error);
      }
      return;
    }
    try {
      await this.transact([...writes, { Update: update }]);
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw unknownOutcome(error);
      // The record's update is the last item.
      if (reasons[writes.length]?.Code === "ConditionalCheckFailed") {
        throw new IdempotencyLeaseLostError();
      }
      throw businessRejection(reasons, writes.length, error);
    }
  }

  /** The completed record, put only where no live record holds its key. */
  private recordPut(record: CompletedRecord, nowMs: number): Put {
    return {
      TableName: this.tableName,
      Item: marshall(record, { removeUndefinedValues: true }),
      ConditionExpression: NO_LIVE_RECORD,
      ExpressionAttributeValues: marshall({ ":nowSeconds": toEpochSeconds(nowMs) }),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
  }

  /** An answer without business writes: one conditional PutItem. */
  private async putAlone(put: Put, pk: string, nowMs: number): Promise<CommitResult> {
    for (let conflicts = 0; ; conflicts += 1) {
      try {
        await this.client.send(new PutItemCommand(put));
        return { committed: true };
      } catch (error) {
        if (isConditionalCheckFailure(error) && error.Item) {
          return { committed: false, existing: parseRecord(unmarshall(error.Item)) };
        }
        // A concurrent transaction of the same key held the item: no record
        // came back. Whoever won has committed by now, or nobody did.
        if (!isTransactionConflict(error) || conflicts >= MAX_PUT_CONFLICTS) {
          throw storeFailure(error);
        }
        const existing = await this.liveRecord(pk, nowMs);
        if (existing) return { committed: false, existing };
      }
    }
  }

  /** Business writes and the record in ONE TransactWriteItems; the record is the last item. */
  private async putWith(
    put: Put,
    writes: readonly TransactWriteItem[],
    pk: string,
    nowMs: number,
  ): Promise<CommitResult> {
    try {
      await this.transact([...writes, { Put: put }]);
      return { committed: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw unknownOutcome(error);
      const own = reasons[writes.length];
      // A live record holds the key: it came back with the cancellation.
      if (own?.Code === "ConditionalCheckFailed" && own.Item) {
        return { committed: false, existing: parseRecord(unmarshall(own.Item)) };
      }
      // A concurrent transaction of the same key held the record's item: no
      // record came back. Read it; only when none is live, run again.
      if (own?.Code === "TransactionConflict") {
        const existing = await this.liveRecord(pk, nowMs);
        if (existing) return { committed: false, existing };
      }
      throw businessRejection(reasons, writes.length, error);
    }
  }

  private async transact(items: TransactWriteItem[]): Promise<void> {
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: items,
        // Makes the SDK's own retries of this call safe: a repeat of a
        // transaction that committed succeeds without writing again.
        ClientRequestToken: randomUUID(),
      }),
    );
  }

  async peek(pk: string, nowMs: number): Promise<IdempotencyRecord | undefined> {
    return this.liveRecord(pk, nowMs);
  }

  /** The record of `pk` if it is live, read consistently. */
  private async liveRecord(pk: string, nowMs: number): Promise<IdempotencyRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: marshall({ pk }),
          ConsistentRead: true,
        }),
      );
      const record = Item ? parseRecord(unmarshall(Item)) : undefined;
      return record && !isExpired(record, nowMs) ? record : undefined;
    } catch (error) {
      throw storeFailure(error);
    }
  }
}

function parseRecord(item: Record<string, unknown>): IdempotencyRecord {
  const parsed = idempotencyRecordSchema.safeParse(item);
  if (!parsed.success) {
    throw new IdempotencyStoreError({
      cause: new Error(`Unreadable idempotency record: ${parsed.error.message}`),
    });
  }
  return parsed.data;
}

/**
 * A transaction that failed without per-item reasons may or may not have
 * committed: the retry tells which (a replay if it did, a fresh run if not).
 */
function unknownOutcome(error: unknown): Error {
  return storeFailure(
    error,
    "The outcome of the commit is unknown. Retry with the same key to get the request's answer.",
  );
}

/**
 * The business writes' own conditions or a concurrent transaction on them
 * cancelled the transaction: nothing was written. Reasons are matched on
 * Code, never on Message (DynamoDB and DynamoDB Local word them differently).
 */
function businessRejection(
  reasons: readonly CancellationReason[],
  businessWriteCount: number,
  cause: unknown,
): BusinessWriteRejectedError {
  return new BusinessWriteRejectedError(
    reasons.slice(0, businessWriteCount).map((reason) => ({
      failed: reason.Code !== undefined && reason.Code !== "None",
      ...(reason.Code ? { code: reason.Code } : {}),
      ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
    })),
    { cause },
  );
}
