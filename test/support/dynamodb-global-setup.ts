import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "../../lib/local/create-tables";
import { localAwsEnvironment, startDynamoDbLocal } from "../../lib/local/dynamodb-local";
import {
  dataTableDefinition,
  idempotencyTableDefinition,
} from "../../lib/tables/table-definitions";
import { testTableNames } from "./test-tables";

/**
 * Starts one DynamoDB Local for the integration tier (in memory, free port),
 * creates the tables from the shared definitions and hands the endpoint to the
 * test workers through the environment they inherit.
 */
export default async function dynamoDbGlobalSetup(): Promise<void> {
  Object.assign(process.env, localAwsEnvironment);
  const dynamoDbLocal = await startDynamoDbLocal();
  (globalThis as { dynamoDbLocal?: typeof dynamoDbLocal }).dynamoDbLocal = dynamoDbLocal;

  const client = new DynamoDBClient({ endpoint: dynamoDbLocal.endpoint });
  await ensureTable(client, idempotencyTableDefinition, testTableNames.idempotency);
  await ensureTable(client, dataTableDefinition, testTableNames.data);
  client.destroy();

  process.env.DYNAMODB_ENDPOINT = dynamoDbLocal.endpoint;
  process.env.IDEMPOTENCY_TABLE_NAME = testTableNames.idempotency;
  process.env.DATA_TABLE_NAME = testTableNames.data;
}
