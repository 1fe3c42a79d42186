import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import * as z from "zod";
import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import { DynamoDbIdempotencyStore } from "../idempotency";
import { DynamoDbMovementQueue } from "../movements/dynamodb-movement-queue";
import { foldingOf } from "../movements/folding";
import { lazyPaymentProcessor } from "../orders/card-processor";
import { DynamoDbOrderRepository } from "../orders/dynamodb-order-repository";
import { loadProcessorCredentials } from "../processor/processor-secret";
import { createDynamoDbClient } from "../shared/aws/dynamodb-client";
import { loadHandlerConfig } from "../shared/config";
import { DataTable } from "../shared/dynamodb/data-table";
import { parseEnvironment } from "../shared/environment";
import { createObservability } from "../shared/observability/create-observability";
import {
  idempotencyMetricsOf,
  MetricName,
  MetricUnit,
  RECONCILER_SERVICE,
} from "../shared/observability/metrics";
import { traced, tracer } from "../shared/observability/tracer";
import { DynamoDbTransferRepository } from "../transfers/dynamodb-transfer-repository";
import { type ReconcileReport, reconcileUnsettled } from "./reconcile-unsettled";

/**
 * The reconciler on AWS: EventBridge Scheduler invokes it every minute; it
 * settles the card payments and refunds whose requests stopped retrying,
 * and folds the queued movements nobody folds (see reconcile-unsettled.ts) and reports how old the oldest unsettled one
 * is, which an alarm watches. Composition root: built once per cold start.
 */

const reconcilerEnvironmentSchema = z.object({
  /** Younger unsettled items are left to their own request's retries. */
  RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
});

const config = loadHandlerConfig();
const { RECONCILE_AFTER_SECONDS } = parseEnvironment(reconcilerEnvironmentSchema);
const observability = createObservability(RECONCILER_SERVICE);
const { logger, metrics } = observability;
const client = traced(createDynamoDbClient({ endpoint: config.dynamoDbEndpoint }));
const dataTable = new DataTable(client, config.dataTableName);
const orders = new DynamoDbOrderRepository(dataTable);
const folding = foldingOf(new DynamoDbMovementQueue(dataTable), config);
const movements = folding && {
  accounts: new DynamoDbAccountRepository(dataTable),
  transfers: new DynamoDbTransferRepository(dataTable),
  folding,
};
const processor = lazyPaymentProcessor(observability, loadProcessorCredentials);
const store = new DynamoDbIdempotencyStore({ client, tableName: config.idempotencyTableName });

export async function reconcile(
  _event: ScheduledEvent,
  context: Context,
): Promise<ReconcileReport> {
  const report = await reconcileUnsettled<TransactWriteItem>({
    orders,
    processor,
    idempotency: {
      store,
      strategy: "lease",
      retentionSeconds: config.idempotencyRetentionSeconds,
      logger,
      metrics: idempotencyMetricsOf(metrics),
    },
    now: () => new Date(),
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    settleAfterMs: RECONCILE_AFTER_SECONDS * 1_000,
    logger,
    correlationId: `reconciler:${context.awsRequestId}`,
    ...(movements ? { movements } : {}),
  });
  recordReport(report);
  // A run that found nothing is the common case, every minute: not worth an INFO line.
  const didSomething =
    report.settled +
      report.stillUnknown +
      report.skipped +
      report.failed +
      report.deferred +
      report.movementsFolded >
    0;
  if (didSomething) logger.info("reconciler run", { ...report });
  else logger.debug("reconciler run", { ...report });
  return report;
}

function recordReport(report: ReconcileReport): void {
  metrics.addMetric(MetricName.ReconcilerSettled, MetricUnit.Count, report.settled);
  metrics.addMetric(MetricName.ReconcilerStillUnknown, MetricUnit.Count, report.stillUnknown);
  metrics.addMetric(MetricName.ReconcilerFailed, MetricUnit.Count, report.failed);
  metrics.addMetric(MetricName.ReconcilerMovementsFolded, MetricUnit.Count, report.movementsFolded);
  metrics.addMetric(
    MetricName.OldestUnsettledAge,
    MetricUnit.Seconds,
    Math.floor(report.oldestUnsettledAgeMs / 1_000),
  );
}

export const handler = middy(reconcile)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer));
