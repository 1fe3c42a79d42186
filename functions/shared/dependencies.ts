import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { DynamoDbIdempotencyStore, idempotency } from "../idempotency";
import { type RouteId, routeById } from "../routes";
import { createDynamoDbClient } from "./aws/dynamodb-client";
import { loadHandlerConfig } from "./config";
import { DataTable } from "./dynamodb/data-table";
import { renderProblem } from "./http/problem";
import { createObservability } from "./observability/create-observability";
import { idempotencyMetricsOf } from "./observability/metrics";
import { traced } from "./observability/tracer";

/**
 * What every handler builds once per cold start: config from the
 * environment, one DynamoDB client, the data table and, for a write route,
 * the idempotency middleware with the strategy the route table gives it.
 */
export function createDependencies(routeId: RouteId) {
  const route = routeById(routeId);
  const config = loadHandlerConfig();
  const client = traced(createDynamoDbClient({ endpoint: config.dynamoDbEndpoint }));
  const observability = createObservability(routeId);
  const { logger, metrics } = observability;
  return {
    config,
    observability,
    client,
    dataTable: new DataTable(client, config.dataTableName),
    idempotency: route.idempotency
      ? idempotency<TransactWriteItem>({
          store: new DynamoDbIdempotencyStore({ client, tableName: config.idempotencyTableName }),
          strategy: route.idempotency,
          retentionSeconds: config.idempotencyRetentionSeconds,
          logger,
          metrics: idempotencyMetricsOf(metrics),
          // A refusal the middleware answers itself looks like every other problem.
          renderError: renderProblem,
        })
      : undefined,
  };
}
