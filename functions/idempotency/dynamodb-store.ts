import { randomUUID } from "node:crypto";
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { RecordStatus } from "./constants";
import { cancellationReasons, isConditionalCheckFailure, storeFailure } from "./dynamodb-errors";
import {
  BusinessWriteRejectedError,
  IdempotencyLeaseLostError,
  IdempotencyStoreError,
} from "./errors";
import {
  type IdempotencyRecord,
  type InProgressRecord,
  idempotencyRecordSchema,
  type Lease,
  type StoredResponse,
  toEpochSeconds,
} from "./record";
import type { ClaimResult, IdempotencyStore } from "./store";

export interface DynamoDbIdempotencyStoreOptions {
  /** A low-level client: it returns the old item of a failed condition as-is. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/**
 * The claim rule of {@link decide}, as one condition DynamoDB evaluates
 * atomically: the key is absent, past its retention, or held in progress by
 * the same request whose lease ran out.
 */
const CLAIM_CONDITION = [
  "attribute_not_exists(pk)",
  "expiresAt < :nowSeconds",
  "(#status = :inProgress AND leaseExpiresAtMs < :nowMs AND fingerprint = :fingerprint)",
].join(" OR ");

/** Fencing: only the attempt holding the lease may complete or release. */
const OWN_LEASE_CONDITION = "#status = :inProgress AND leaseToken = :leaseToken";

/**
 * Idempotency records in a DynamoDB table with partition key `pk` and TTL on
 * `expiresAt`. A claim is one conditional PutItem that, when it loses, returns
 * the record that won (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): a
 * duplicate costs one round trip.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore<TransactWriteItem> {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: DynamoDbIdempotencyStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
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
    response: StoredResponse,
    completedAtMs: number,
    writes: readonly TransactWriteItem[] = [],
  ): Promise<void> {
    const completion = this.completionUpdate(lease, response, completedAtMs);
    if (writes.length === 0) {
      await this.completeAlone(completion);
      return;
    }
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [...writes, { Update: completion }],
          // Makes the SDK's own retries of this call safe: a repeat of a
          // transaction that committed succeeds without writing again.
          ClientRequestToken: randomUUID(),
        }),
      );
    } catch (error) {
      throw transactionFailure(error, writes.length);
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

  private completionUpdate(lease: Lease, response: StoredResponse, completedAtMs: number): Update {
    return {
      TableName: this.tableName,
      Key: marshall({ pk: lease.pk }),
      UpdateExpression:
        "SET #status = :completed, #response = :response, completedAtMs = :completedAtMs",
      ConditionExpression: OWN_LEASE_CONDITION,
      ExpressionAttributeNames: { "#status": "status", "#response": "response" },
      ExpressionAttributeValues: marshall({
        ":completed": RecordStatus.Completed,
        ":response": response,
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

function transactionFailure(error: unknown, businessWriteCount: number): Error {
  const reasons = cancellationReasons(error);
  if (reasons === undefined) {
    // The transaction may or may not have committed: the retry tells which
    // (a replay if it did, a fresh run if it did not).
    return storeFailure(
      error,
      "The outcome of the commit is unknown. Retry with the same key to get the request's answer.",
    );
  }
  // The completion is the last item; reasons are matched on Code, never on
  // Message (DynamoDB and DynamoDB Local word them differently).
  if (reasons[businessWriteCount]?.Code === "ConditionalCheckFailed") {
    return new IdempotencyLeaseLostError();
  }
  return new BusinessWriteRejectedError(
    reasons.slice(0, businessWriteCount).map((reason) => ({
      failed: reason.Code !== undefined && reason.Code !== "None",
      ...(reason.Code ? { code: reason.Code } : {}),
      ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
    })),
    { cause: error },
  );
}
