import { randomUUID } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";
import { z } from "zod";
import {
  dataTableDefinition,
  idempotencyTableDefinition,
  type TableDefinition,
} from "../../lib/tables/table-definitions";
import { testTableNames } from "./test-tables";

/**
 * What the test-side DynamoDB proxy reads of DynamoDB's JSON protocol (which
 * items a request names, by table and key), and the errors it answers in
 * DynamoDB's name, byte for byte as DynamoDB sends them, so the AWS SDK parses
 * them into the same error objects as on AWS.
 */

/** The key attribute names of each table, partition key first. */
export type KeySchemas = Readonly<Record<string, readonly string[]>>;

const keyNamesOf = (definition: TableDefinition) => [
  definition.partitionKey.name,
  ...(definition.sortKey ? [definition.sortKey.name] : []),
];

/** The integration tier's tables, keyed as the shared definitions key them. */
export const testKeySchemas: KeySchemas = {
  [testTableNames.idempotency]: keyNamesOf(idempotencyTableDefinition),
  [testTableNames.data]: keyNamesOf(dataTableDefinition),
};

/** One item, by its table and its key (`S` and `B` values as strings, `N` as numbers). */
export interface ItemRef {
  readonly table: string;
  readonly key: Readonly<Record<string, string | number>>;
}

/** A request to DynamoDB as far as the proxy needs to know it. */
export interface DynamoDbRequest {
  /** `PutItem`, `TransactWriteItems`…; `undefined` for another API (DynamoDB Streams). */
  readonly operation: string | undefined;
  /** Every table the request names. */
  readonly tables: ReadonlySet<string>;
  /** The items it names by key, in order: a transaction's at their index. */
  readonly items: readonly ItemRef[];
}

const DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810.";

/** The single-item writes; DynamoDB fails them when a transaction holds their item. */
export const LONE_WRITES: ReadonlySet<string> = new Set(["PutItem", "UpdateItem", "DeleteItem"]);

const keyValueSchema = z.union([
  z.object({ S: z.string() }).transform((value) => value.S),
  z.object({ N: z.string() }).transform((value) => Number(value.N)),
  z.object({ B: z.string() }).transform((value) => value.B),
]);
const attributeMapSchema = z.record(z.string(), z.unknown());
const keyedSchema = z.object({ TableName: z.string(), Key: attributeMapSchema });
const putSchema = z.object({ TableName: z.string(), Item: attributeMapSchema });
const transactItemSchema = z.union([
  z.object({ Put: putSchema }).transform(({ Put }) => ({ table: Put.TableName, item: Put.Item })),
  z.object({ Update: keyedSchema }).transform(({ Update }) => ({
    table: Update.TableName,
    item: Update.Key,
  })),
  z.object({ Delete: keyedSchema }).transform(({ Delete }) => ({
    table: Delete.TableName,
    item: Delete.Key,
  })),
  z.object({ ConditionCheck: keyedSchema }).transform(({ ConditionCheck }) => ({
    table: ConditionCheck.TableName,
    item: ConditionCheck.Key,
  })),
]);
/** Only what locates items; every other field passes unread. */
const requestSchema = z.object({
  TableName: z.string().optional(),
  Key: attributeMapSchema.optional(),
  Item: attributeMapSchema.optional(),
  TransactItems: z.array(transactItemSchema).optional(),
  RequestItems: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Reads a request's operation, tables and items. Items of a table missing
 * from `keySchemas` cannot be told apart: that is a mistake of the test, and
 * it says so.
 */
export function readDynamoDbRequest(
  target: string | undefined,
  body: Buffer,
  keySchemas: KeySchemas,
): DynamoDbRequest {
  if (!target?.startsWith(DYNAMODB_TARGET_PREFIX)) {
    return { operation: undefined, tables: new Set(), items: [] };
  }
  const operation = target.slice(DYNAMODB_TARGET_PREFIX.length);
  const request = requestSchema.parse(JSON.parse(body.toString("utf8")));
  const located = request.TransactItems
    ? request.TransactItems
    : request.TableName && (request.Key ?? request.Item)
      ? [{ table: request.TableName, item: request.Key ?? request.Item ?? {} }]
      : [];
  const items = located.map(({ table, item }) => itemRef(table, item, keySchemas));
  const tables = new Set([
    ...(request.TableName ? [request.TableName] : []),
    ...Object.keys(request.RequestItems ?? {}),
    ...items.map((item) => item.table),
  ]);
  return { operation, tables, items };
}

function itemRef(
  table: string,
  item: Readonly<Record<string, unknown>>,
  keySchemas: KeySchemas,
): ItemRef {
  const keyNames = keySchemas[table];
  if (!keyNames) {
    throw new Error(`dynamodb-proxy: no key schema for table "${table}"; pass it in keySchemas`);
  }
  return {
    table,
    key: Object.fromEntries(keyNames.map((name) => [name, keyValueSchema.parse(item[name])])),
  };
}

/** One identity per item, whatever the request: the table and the key in schema order. */
export function itemId(item: ItemRef): string {
  return JSON.stringify([item.table, ...Object.values(item.key)]);
}

/** An HTTP answer, as DynamoDB (or the proxy in its name) sends it. */
export interface WireAnswer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/** DynamoDB's error answer: the type in `__type`, the fields in the body. */
function dynamoDbError(
  type: string,
  fields: Readonly<Record<string, unknown>>,
  status = 400,
): WireAnswer {
  const body = Buffer.from(
    JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, ...fields }),
  );
  return {
    status,
    headers: {
      "x-amzn-requestid": randomUUID(),
      "content-type": "application/x-amz-json-1.0",
      "content-length": String(body.length),
      date: new Date().toUTCString(),
    },
    body,
  };
}

const ONGOING_TRANSACTION = "Transaction is ongoing for the item";

/** A lone write on an item an in-flight transaction holds. */
export function transactionConflictException(): WireAnswer {
  return dynamoDbError("TransactionConflictException", { message: ONGOING_TRANSACTION });
}

/**
 * A transaction cancelled because some of its items (`conflicting`, by index)
 * were held by another in-flight transaction: `TransactionConflict` there,
 * `None` elsewhere.
 */
export function transactionCanceledByConflict(
  itemCount: number,
  conflicting: ReadonlySet<number>,
): WireAnswer {
  const reasons = Array.from({ length: itemCount }, (_, index) =>
    conflicting.has(index)
      ? { Code: "TransactionConflict", Message: ONGOING_TRANSACTION }
      : { Code: "None" },
  );
  return dynamoDbError("TransactionCanceledException", {
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(", ")}]`,
    CancellationReasons: reasons,
  });
}

/** A request past the table's throughput. */
export function provisionedThroughputExceededException(): WireAnswer {
  return dynamoDbError("ProvisionedThroughputExceededException", {
    message:
      "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
  });
}

/** The proxy cannot read a request (the test's mistake): a 500 that says why. */
export function proxyFailure(message: string): WireAnswer {
  return dynamoDbError("InternalServerError", { message }, 500);
}
