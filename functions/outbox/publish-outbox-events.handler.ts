import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import middy from "@middy/core";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import * as z from "zod";
import { DynamoDbIdempotencyStore } from "../idempotency";
import { createDynamoDbClient } from "../shared/aws/dynamodb-client";
import { sdkClientConfig } from "../shared/aws/sdk-client-config";
import { handlerEnvironmentSchema } from "../shared/config";
import { parseEnvironment } from "../shared/environment";
import { createObservability } from "../shared/observability/create-observability";
import { idempotencyMetricsOf, OUTBOX_SERVICE } from "../shared/observability/metrics";
import { traced, tracer } from "../shared/observability/tracer";
import { EventBridgePublisher } from "./eventbridge-publisher";
import { recordBatchMetrics } from "./outbox-metrics";
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

const config = parseEnvironment(environmentSchema);
const { logger, metrics } = createObservability(OUTBOX_SERVICE);
const store = new DynamoDbIdempotencyStore({
  client: traced(createDynamoDbClient({ endpoint: config.DYNAMODB_ENDPOINT })),
  tableName: config.IDEMPOTENCY_TABLE_NAME,
});
const publisher = new EventBridgePublisher({
  client: traced(
    // Fail fast on a stuck call: the record is retried by Lambda, not waited for.
    new EventBridgeClient(sdkClientConfig()),
  ),
  eventBusName: config.EVENT_BUS_NAME,
});

async function publishBatch(
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> {
  const result = await publishOutboxEvents(event.Records, {
    store,
    publisher,
    logger,
    metrics: idempotencyMetricsOf(metrics),
    // A claim is ours until this invocation cannot be running any more.
    context,
  });
  recordBatchMetrics(metrics, result);
  logger.info("outbox batch processed", {
    records: event.Records.length,
    published: result.published,
    alreadyPublished: result.alreadyPublished,
    ignored: result.ignored,
    failed: result.batchItemFailures.length,
  });
  return { batchItemFailures: result.batchItemFailures };
}

export const handler = middy(publishBatch)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(captureLambdaHandler(tracer));
