import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { DynamoDbAccountRepository } from "./accounts/dynamodb-account-repository";
import { DynamoDbIdempotencyStore, idempotency } from "./idempotency";
import { DynamoDbOrderRepository } from "./orders/dynamodb-order-repository";
import { type RouteId, routeById } from "./routes";
import { createDynamoDbClient } from "./shared/aws/dynamodb-client";
import { loadHandlerConfig } from "./shared/config";
import { DataTable } from "./shared/dynamodb/data-table";
import { renderProblem } from "./shared/http/problem";
import { createObservability } from "./shared/observability/create-observability";
import { idempotencyMetricsOf } from "./shared/observability/metrics";
import { traced } from "./shared/observability/tracer";
import { DynamoDbTransferRepository } from "./transfers/dynamodb-transfer-repository";

/**
 * THE composition of a route's function, built once per cold start from its
 * row in the route table: config from the environment, one DynamoDB client,
 * the repositories over the data table and, for a write route, the
 * idempotency middleware with the strategy the table gives it.
 *
 * @example
 * const { accounts, http } = composeRoute("createDeposit");
 * export const handler = createHttpHandler({ ...http, schemas, handle, respond });
 */
export function composeRoute(routeId: RouteId) {
  const route = routeById(routeId);
  const config = loadHandlerConfig();
  const client = traced(createDynamoDbClient({ endpoint: config.dynamoDbEndpoint }));
  const observability = createObservability(routeId);
  const dataTable = new DataTable(client, config.dataTableName);
  const idempotencyMiddleware = route.idempotency
    ? idempotency<TransactWriteItem>({
        store: new DynamoDbIdempotencyStore({ client, tableName: config.idempotencyTableName }),
        strategy: route.idempotency,
        retentionSeconds: config.idempotencyRetentionSeconds,
        logger: observability.logger,
        metrics: idempotencyMetricsOf(observability.metrics),
        // A refusal the middleware answers itself looks like every other problem.
        renderError: renderProblem,
      })
    : undefined;
  return {
    config,
    client,
    observability,
    accounts: new DynamoDbAccountRepository(dataTable),
    orders: new DynamoDbOrderRepository(dataTable),
    transfers: new DynamoDbTransferRepository(dataTable),
    /** What `createHttpHandler` takes from the composition. */
    http: {
      route,
      observability,
      ...(idempotencyMiddleware ? { idempotency: idempotencyMiddleware } : {}),
    },
  };
}
