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
import {
  BusinessWriteRejectedError,
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

/**
 * The claim rule of `decide`, as one condition DynamoDB evaluates
 * atomically: the key is absent, past its retention, or held in progress by
 * the same request whose lease ran out.
 */
const CLAIM_CONDITION = `${NO_LIVE_RECORD} OR (#status = :inProgress AND leaseExpiresAtMs < :nowMs AND fingerprint = :fingerprint)`;

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

  async claim(record: InProgressRecord, nowMs: number): Promise<ClaimResult> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(record),
          ConditionExpression: CLAIM_CONDITION,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: marshall({
            ":nowSeconds": toEpochSeconds(nowMs),
            ":nowMs": nowMs,
            ":inProgress": RecordStatus.InProgress,
            ":fingerprint": record.fingerprint,
          }),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (isConditionalCheckFailure(error) && error.Item) {
        return { claimed: false, existing: parseRecord(unmarshall(error.Item)) };
      }
      throw storeFailure(error);
    }
  }

  async complete(
    lease: Lease,
    answer: string,
    completedAtMs: number,
    writes: readonly TransactWriteItem[] = [],
  ): Promise<void> {
    const completion = this.completionUpdate(lease, answer, completedAtMs);
    if (writes.length === 0) {
      await this.completeAlone(completion);
      return;
    }
    try {
      await this.transact([...writes, { Update: completion }]);
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw unknownOutcome(error);
      // The completion is the last item.
      if (reasons[writes.length]?.Code === "ConditionalCheckFailed") {
        throw new IdempotencyLeaseLostError();
      }
      throw businessRejection(reasons, writes.length, error);
    }
  }

  async release(lease: Lease): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall({ pk: lease.pk }),
          ConditionExpression: OWN_LEASE_CONDITION,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: marshall({
            ":inProgress": RecordStatus.InProgress,
            ":leaseToken": lease.leaseToken,
          }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw storeFailure(error);
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

  private completionUpdate(lease: Lease, answer: string, completedAtMs: number): Update {
    return {
      TableName: this.tableName,
      Key: marshall({ pk: lease.pk }),
      UpdateExpression:
        "SET #status = :completed, answer = :answer, completedAtMs = :completedAtMs",
      ConditionExpression: OWN_LEASE_CONDITION,
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: marshall({
        ":completed": RecordStatus.Completed,
        ":answer": answer,
        ":completedAtMs": completedAtMs,
        ":inProgress": RecordStatus.InProgress,
        ":leaseToken": lease.leaseToken,
      }),
    };
  }

  private async completeAlone(completion: Update): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand(completion));
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new IdempotencyLeaseLostError();
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
