import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import * as z from "zod";
import { DynamoDbIdempotencyStore } from "../idempotency";
import { createDynamoDbClient } from "../shared/aws/dynamodb-client";
import { handlerEnvironmentSchema } from "../shared/config";
import { createLogger, withCorrelationId } from "../shared/logger";
import { EventBridgePublisher } from "./eventbridge-publisher";
import { publishOutboxEvents } from "./publish-outbox-events";

/**
 * The outbox publisher on AWS: the data table's stream (filtered to outbox
 * inserts) → EventBridge, with partial batch responses. Composition root:
 * config, clients and ports are built once per cold start.
 */

/** Only what this function uses: it never reads the data table itself. */
const environmentSchema = handlerEnvironmentSchema
  .pick({ IDEMPOTENCY_TABLE_NAME: true, DYNAMODB_ENDPOINT: true })
  .extend({ EVENT_BUS_NAME: z.string().min(1) });

function loadConfig(environment: NodeJS.ProcessEnv) {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}

const config = loadConfig(process.env);
const logger = createLogger("outbox-publisher");
const store = new DynamoDbIdempotencyStore({
  client: createDynamoDbClient({ endpoint: config.DYNAMODB_ENDPOINT }),
  tableName: config.IDEMPOTENCY_TABLE_NAME,
});
const publisher = new EventBridgePublisher({
  client: new EventBridgeClient({
    maxAttempts: 3,
    // Fail fast on a stuck call: the record is retried by Lambda, not waited for.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  }),
  eventBusName: config.EVENT_BUS_NAME,
});

export async function handler(
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> {
  return withCorrelationId(context.awsRequestId, async () => {
    const result = await publishOutboxEvents(event.Records, {
      store,
      publisher,
      logger,
      // A claim is ours until this invocation cannot be running any more.
      context,
    });
    logger.info("outbox batch processed", {
      records: event.Records.length,
      published: result.published,
      alreadyPublished: result.alreadyPublished,
      ignored: result.ignored,
      failed: result.batchItemFailures.length,
    });
    return { batchItemFailures: result.batchItemFailures };
  });
}
