import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import {
  DynamoDbIdempotencyStore,
  IdempotencyConfigurationError,
  type IdempotentContext,
  idempotency,
} from "../idempotency";
import { createDynamoDbClient } from "./aws/dynamodb-client";
import { loadHandlerConfig } from "./config";
import { DataTable } from "./dynamodb/data-table";
import { createLogger } from "./logger";

/**
 * What every handler builds once per cold start: config from the
 * environment, one DynamoDB client, the data table and the idempotency
 * middleware over its store.
 */
export function createDependencies(service: string) {
  const config = loadHandlerConfig();
  const client = createDynamoDbClient({ endpoint: config.dynamoDbEndpoint });
  const logger = createLogger(service);
  return {
    config,
    logger,
    dataTable: new DataTable(client, config.dataTableName),
    /** The idempotency middleware for this function's idempotent route. */
    idempotency: idempotency<TransactWriteItem>({
      store: new DynamoDbIdempotencyStore({ client, tableName: config.idempotencyTableName }),
      retentionSeconds: config.idempotencyRetentionSeconds,
      logger,
    }),
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
