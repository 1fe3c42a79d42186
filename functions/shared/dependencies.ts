import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import {
  DynamoDbIdempotencyStore,
  IdempotencyConfigurationError,
  type IdempotentContext,
} from "../idempotency";
import { createDynamoDbClient } from "./aws/dynamodb-client";
import { loadHandlerConfig } from "./config";
import { DataTable } from "./dynamodb/data-table";
import { createLogger } from "./logger";

/**
 * What every handler builds once per cold start: config from the
 * environment, one DynamoDB client, the idempotency store and the data table.
 */
export function createDependencies(service: string) {
  const config = loadHandlerConfig();
  const client = createDynamoDbClient({ endpoint: config.dynamoDbEndpoint });
  return {
    config,
    logger: createLogger(service),
    dataTable: new DataTable(client, config.dataTableName),
    idempotency: {
      store: new DynamoDbIdempotencyStore({ client, tableName: config.idempotencyTableName }),
      retentionSeconds: config.idempotencyRetentionSeconds,
    },
  };
}

export type Commit = (writes: readonly TransactWriteItem[], answer: unknown) => Promise<unknown>;

/** The exactly-once commit the idempotency middleware hands to this request. */
export function commitOf(context: IdempotentContext<TransactWriteItem>): Commit {
  const handle = context.idempotency;
  if (!handle)
    throw new IdempotencyConfigurationError("The route is not under the idempotency middleware.");
  return (writes, answer) => handle.commit(writes, answer);
}
