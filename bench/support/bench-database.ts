import { ensureTable } from "../../lib/local/create-tables";
import {
  localAwsEnvironment,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from "../../lib/local/dynamodb-local";
import {
  dataTableDefinition,
  idempotencyTableDefinition,
  type TableDefinition,
} from "../../lib/tables/table-definitions";
import { CountingDynamoDbClient } from "./counting-client";

/**
 * The table Powertools' DynamoDBPersistenceLayer expects by default: partition
 * key `id`, TTL on `expiration`.
 */
export const powertoolsTableDefinition = {
  logicalId: "PowertoolsIdempotencyTable",
  tableNameEnv: "POWERTOOLS_IDEMPOTENCY_TABLE_NAME",
  partitionKey: { name: "id", type: "S" },
  timeToLiveAttribute: "expiration",
} as const satisfies TableDefinition;

export const benchTables = {
  data: "bench-data",
  idempotency: "bench-idempotency",
  powertools: "bench-powertools-idempotency",
} as const;

const keyNames = (definition: TableDefinition) => [
  definition.partitionKey.name,
  ...(definition.sortKey ? [definition.sortKey.name] : []),
];

/** Each bench table's key attributes, as its definition declares them. */
export const benchTableKeys: Readonly<Record<string, readonly string[]>> = {
  [benchTables.data]: keyNames(dataTableDefinition),
  [benchTables.idempotency]: keyNames(idempotencyTableDefinition),
  [benchTables.powertools]: keyNames(powertoolsTableDefinition),
};

export interface BenchDatabase {
  readonly endpoint: string;
  /** A client of its own, counting every request it sends. */
  client(): CountingDynamoDbClient;
  stop(): Promise<void>;
}

/** A DynamoDB Local of the bench's own (in memory) with the three tables. */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  // Every client of this process, the SDK's default chain included, must use
  // the same fake credentials and region: DynamoDB Local keeps one database per pair.
  Object.assign(process.env, localAwsEnvironment);
  const local: RunningDynamoDbLocal = await startDynamoDbLocal();
  const clients: CountingDynamoDbClient[] = [];
  const client = () => {
    const created = new CountingDynamoDbClient(local.endpoint);
    clients.push(created);
    return created;
  };
  try {
    const setup = client();
    await ensureTable(setup.dynamoDb, dataTableDefinition, benchTables.data);
    await ensureTable(setup.dynamoDb, idempotencyTableDefinition, benchTables.idempotency);
    await ensureTable(setup.dynamoDb, powertoolsTableDefinition, benchTables.powertools);
  } catch (error) {
    await local.stop();
    throw error;
  }
  return {
    endpoint: local.endpoint,
    client,
    async stop() {
      for (const created of clients) created.dynamoDb.destroy();
      await local.stop();
    },
  };
}
