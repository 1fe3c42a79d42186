import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetItemCommand, PutItemCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { DynamoDbIdempotencyStore } from "../../functions/idempotency";
import {
  type IdempotencyRecord,
  idempotencyRecordSchema,
} from "../../functions/idempotency/core/record";
import { createDynamoDbClient } from "../../functions/shared/aws/dynamodb-client";
import type { DynamoDbProxy } from "./dynamodb-proxy";
import type { StoreHarness } from "./store-contract";

/** Names and endpoint the integration tier's global setup provided. */
export function testEnvironment() {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const idempotencyTable = process.env.IDEMPOTENCY_TABLE_NAME;
  const dataTable = process.env.DATA_TABLE_NAME;
  if (!endpoint || !idempotencyTable || !dataTable) {
    throw new Error("Integration tests need the jest global setup (DynamoDB Local).");
  }
  return { endpoint, idempotencyTable, dataTable };
}

let client: DynamoDBClient | undefined;

/** One client per test file (each jest worker loads this module anew). */
export function testClient(): DynamoDBClient {
  client ??= createDynamoDbClient({ endpoint: testEnvironment().endpoint });
  return client;
}

/** The record as stored, read around the store under test. */
export async function readRecord(pk: string): Promise<IdempotencyRecord | undefined> {
  const { idempotencyTable } = testEnvironment();
  const { Item } = await testClient().send(
    new GetItemCommand({
      TableName: idempotencyTable,
      Key: marshall({ pk }),
      ConsistentRead: true,
    }),
  );
  return Item ? idempotencyRecordSchema.parse(unmarshall(Item)) : undefined;
}

export async function seedRecord(record: IdempotencyRecord): Promise<void> {
  const { idempotencyTable } = testEnvironment();
  await testClient().send(
    new PutItemCommand({ TableName: idempotencyTable, Item: marshall(record) }),
  );
}

const markerKey = (marker: string) => ({ pk: `marker#${marker}`, sk: "marker" });

/** A business write into the data table that leaves `marker` behind. */
export function markerWrite(
  marker: string,
  options: { rejected?: boolean } = {},
): TransactWriteItem {
  return {
    Put: {
      TableName: testEnvironment().dataTable,
      Item: marshall(markerKey(marker)),
      // A rejected write asks for an item that does not exist.
      ConditionExpression: options.rejected ? "attribute_exists(pk)" : "attribute_not_exists(pk)",
    },
  };
}

export async function markerWritten(marker: string): Promise<boolean> {
  const { Item } = await testClient().send(
    new GetItemCommand({
      TableName: testEnvironment().dataTable,
      Key: marshall(markerKey(marker)),
      ConsistentRead: true,
    }),
  );
  return Item !== undefined;
}

export const dynamoDbStore = () =>
  new DynamoDbIdempotencyStore({
    client: testClient(),
    tableName: testEnvironment().idempotencyTable,
  });

/** The DynamoDB store on the tier's tables, with marker items as business writes. */
export const dynamoDbStoreHarness = (): StoreHarness<TransactWriteItem> => ({
  store: dynamoDbStore(),
  write: markerWrite,
  wasWritten: markerWritten,
  read: readRecord,
  seed: seedRecord,
});

/** How long each transaction holds its items under emulation: commits started together overlap. */
const EMULATED_TRANSACTION_MS = 200;

/**
 * The DynamoDB store with `client` on `proxy` (a client with the proxy's URL
 * as endpoint): the contract injects DynamoDB's transaction conflicts there
 * and counts the store's requests; reads and seeds go around it.
 */
export function dynamoDbStoreHarnessThrough(
  proxy: DynamoDbProxy,
  client: DynamoDBClient,
): StoreHarness<TransactWriteItem> {
  const { idempotencyTable, dataTable } = testEnvironment();
  const recordItem = (pk: string) => ({ table: idempotencyTable, key: { pk } });
  return {
    store: new DynamoDbIdempotencyStore({ client, tableName: idempotencyTable }),
    write: markerWrite,
    wasWritten: markerWritten,
    read: readRecord,
    seed: seedRecord,
    conflicts: {
      onRecord: (pk, times) => {
        proxy.injectTransactionConflict(recordItem(pk), { times: times ?? 1 });
      },
      onWrite: (marker) => {
        proxy.injectTransactionConflict({ table: dataTable, key: markerKey(marker) });
      },
      recordWrites: (pk) =>
        ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"]
          .map((operation) => proxy.attempts(operation, recordItem(pk)))
          .reduce((sum, count) => sum + count, 0),
      recordReads: (pk) => proxy.attempts("GetItem", recordItem(pk)),
      emulate: () => proxy.emulateTransactionConflicts({ holdMs: EMULATED_TRANSACTION_MS }),
    },
  };
}

/** A business write that counts how many times an effect was committed. */
export function counterIncrement(counterId: string): TransactWriteItem {
  return {
    Update: {
      TableName: testEnvironment().dataTable,
      Key: marshall({ pk: `counter#${counterId}`, sk: "counter" }),
      UpdateExpression: "ADD effects :one",
      ExpressionAttributeValues: marshall({ ":one": 1 }),
    },
  };
}

export async function counterValue(
  counterId: string,
  client: DynamoDBClient = testClient(),
): Promise<number> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: testEnvironment().dataTable,
      Key: marshall({ pk: `counter#${counterId}`, sk: "counter" }),
      ConsistentRead: true,
    }),
  );
  return Item ? Number(unmarshall(Item).effects) : 0;
}
