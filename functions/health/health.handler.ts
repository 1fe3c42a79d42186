import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { createDynamoDbClient } from "../shared/aws/dynamodb-client";
import { loadHandlerConfig } from "../shared/config";
import { createPublicHandler } from "../shared/http/public-handler";
import { createObservability } from "../shared/observability/create-observability";
import { traced } from "../shared/observability/tracer";
import { checkHealth } from "./health";

const config = loadHandlerConfig();
// One attempt: a health check reports the state of now, it does not wait it out.
const client = traced(createDynamoDbClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 1 }));
const observability = createObservability("health");

// A read of a key that never exists: it proves the table answers, with
// read-only rights and the cost of one read unit.
const probe = (tableName: string, key: Record<string, string>) => () =>
  client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key) }));

export const handler = createPublicHandler(observability, () =>
  checkHealth(
    [
      probe(config.idempotencyTableName, { pk: "HEALTH" }),
      probe(config.dataTableName, { pk: "HEALTH", sk: "HEALTH" }),
    ],
    observability.logger,
  ),
);
