import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type TransactWriteItem,
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

  /** Items of one partition whose sort key starts with `prefix`, oldest first. */
  async queryPrefix<T>(
    pk: string,
    prefix: string,
    schema: z.ZodType<T>,
    page: { readonly limit: number; readonly afterSk?: string },
  ): Promise<T[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: marshall({ ":pk": pk, ":prefix": prefix }),
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
}
