import {
  BatchGetItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type * as z from "zod";

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export interface Condition {
  readonly expression: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

const marshallOptions = { removeUndefinedValues: true } as const;

/**
 * The single domain table: consistent reads parsed with zod (items are data
 * from outside the process) and builders of transaction items, which the
 * use cases commit together with the idempotency record.
 */
export class DataTable {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async get<T>(key: ItemKey, schema: z.ZodType<T>): Promise<T | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }),
    );
    return Item ? schema.parse(unmarshall(Item)) : undefined;
  }

  /**
   * Items of one partition whose sort key starts with `prefix` (every item
   * of it without one), oldest first.
   */
  async queryPrefix<T>(
    pk: string,
    prefix: string | undefined,
    schema: z.ZodType<T>,
    page: { readonly limit: number; readonly afterSk?: string },
  ): Promise<T[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        // DynamoDB refuses an empty string in a key condition: no prefix, no begins_with.
        KeyConditionExpression:
          prefix === undefined ? "pk = :pk" : "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: marshall(
          prefix === undefined ? { ":pk": pk } : { ":pk": pk, ":prefix": prefix },
        ),
        ...(page.afterSk ? { ExclusiveStartKey: marshall({ pk, sk: page.afterSk }) } : {}),
        Limit: page.limit,
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => schema.parse(unmarshall(item)));
  }

  /**
   * Items of a sparse index's partition whose sort key is below `below`,
   * lowest first (an index is read eventually consistently).
   */
  async queryIndexBelow<T>(
    index: { readonly name: string; readonly partitionKey: string; readonly sortKey: string },
    partition: string,
    below: number,
    schema: z.ZodType<T>,
    limit: number,
  ): Promise<T[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: "#partition = :partition AND #sort < :below",
        ExpressionAttributeNames: { "#partition": index.partitionKey, "#sort": index.sortKey },
        ExpressionAttributeValues: marshall({ ":partition": partition, ":below": below }),
        Limit: limit,
      }),
    );
    return Items.map((item) => schema.parse(unmarshall(item)));
  }

  /** A Put that only creates: the key must be new. */
  create(item: ItemKey & Record<string, unknown>): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: marshall(item, marshallOptions),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  /**
   * A Put that replaces an item under a condition (typically its version).
   * Returns the old item on failure, so a use case can tell why it failed.
   */
  replace(item: ItemKey & Record<string, unknown>, condition: Condition): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: marshall(item, marshallOptions),
        ConditionExpression: condition.expression,
        ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
        ...(condition.values
          ? { ExpressionAttributeValues: marshall(condition.values, marshallOptions) }
          : {}),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    };
  }

  /** A ConditionCheck: the transaction commits only while `condition` holds on the item. */
  check(key: ItemKey, condition: Condition): TransactWriteItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: marshall(key),
        ...conditionParts(condition),
      },
    };
  }

  /** A Delete of an item that must exist. */
  remove(key: ItemKey): TransactWriteItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: marshall(key),
        ConditionExpression: "attribute_exists(pk)",
      },
    };
  }

  /**
   * An Update that sets `fields` (and leaves the item's other attributes as
   * they are) under a condition. Returns the old item on failure.
   */
  update(key: ItemKey, fields: Record<string, unknown>, condition: Condition): TransactWriteItem {
    const names = Object.keys(fields);
    return {
      Update: {
        TableName: this.tableName,
        Key: marshall(key),
        UpdateExpression: `SET ${names.map((_, index) => `#f${index} = :f${index}`).join(", ")}`,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: {
          ...Object.fromEntries(names.map((name, index) => [`#f${index}`, name])),
          ...condition.names,
        },
        ExpressionAttributeValues: marshall(
          {
            ...Object.fromEntries(names.map((name, index) => [`:f${index}`, fields[name]])),
            ...condition.values,
          },
          marshallOptions,
        ),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    };
  }

  /**
   * Items by key in one round trip (BatchGetItem), read consistently, in no
   * particular order; absent keys are absent from the result. At most 100 keys.
   */
  async getMany(keys: readonly ItemKey[]): Promise<Record<string, unknown>[]> {
    const { Responses, UnprocessedKeys } = await this.client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [this.tableName]: { Keys: keys.map((key) => marshall(key)), ConsistentRead: true },
        },
      }),
    );
    // Unprocessed keys come back under throttling: read them again, one by one.
    const unprocessed = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    const retried = await Promise.all(
      unprocessed.map(async (key) => {
        const { Item } = await this.client.send(
          new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
        );
        return Item;
      }),
    );
    return [...(Responses?.[this.tableName] ?? []), ...retried]
      .filter((item) => item !== undefined)
      .map((item) => unmarshall(item));
  }

  /** A lone conditional Put; whether its condition held (and it was written). */
  async putIf(item: ItemKey & Record<string, unknown>, condition: Condition): Promise<boolean> {
    return conditionHeld(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item, marshallOptions),
          ...conditionParts(condition),
        }),
      ),
    );
  }

  /** A lone conditional Delete; whether its condition held (and it was deleted). */
  async deleteIf(key: ItemKey, condition: Condition): Promise<boolean> {
    return conditionHeld(() =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(key),
          ...conditionParts(condition),
        }),
      ),
    );
  }

  /**
   * Writes `items` in one transaction.
   *
   * @returns false when the transaction was cancelled (a condition failed,
   *   or a concurrent transaction touched its items): nothing was written
   */
  async transact(items: readonly TransactWriteItem[]): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: [...items] }));
      return true;
    } catch (error) {
      if (isLostRace(error)) return false;
      throw error;
    }
  }
}

/**
 * A transaction cancelled only by its own conditions or by a concurrent
 * transaction: reading again and deciding again can cure it. Any other
 * reason (throttling, a validation error) is thrown, never retried blind.
 */
function isLostRace(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return false;
  const { CancellationReasons = [] } = error as Error & {
    CancellationReasons?: readonly { readonly Code?: string }[];
  };
  return CancellationReasons.every((reason) =>
    ["None", "ConditionalCheckFailed", "TransactionConflict", undefined].includes(reason.Code),
  );
}

/** Whether a lone conditional write was written: false when its condition failed or a transaction held its item. */
async function conditionHeld(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    const lost =
      error instanceof Error &&
      ["ConditionalCheckFailedException", "TransactionConflictException"].includes(error.name);
    if (lost) return false;
    throw error;
  }
}

function conditionParts(condition: Condition) {
  return {
    ConditionExpression: condition.expression,
    ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
    ...(condition.values
      ? { ExpressionAttributeValues: marshall(condition.values, marshallOptions) }
      : {}),
  };
}
