import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { DynamoDbIdempotencyStore, idempotency } from "./idempotency";
import { type RouteId, routeById } from "./routes";
import { createDynamoDbClient } from "./shared/aws/dynamodb-client";
import { loadHandlerConfig } from "./shared/config";
import { DataTable } from "./shared/dynamodb/data-table";
import { renderProblem } from "./shared/http/problem-details";
import { createObservability } from "./shared/observability/create-observability";
import { idempotencyMetricsOf } from "./shared/observability/metrics";
import { traced } from "./shared/observability/tracer";

/** A repository over the data table, by its constructor. */
type RepositoryClass = new (table: DataTable) => object;

/** Repositories by name; the composition's own names are not theirs to take. */
type Repositories = Record<string, RepositoryClass> & {
  readonly config?: never;
  readonly client?: never;
  readonly observability?: never;
  readonly http?: never;
};

/**
 * THE composition of a route's function, built once per cold start from its
 * row in the route table: config from the environment, one DynamoDB client,
 * the repositories it names over the data table (only those are bundled)
 * and, for a write route, the idempotency middleware with the strategy the
 * table gives it.
 *
 * @example
 * const { accounts, http } = composeRoute("createDeposit", { accounts: DynamoDbAccountRepository });
 * export const handler = createHttpHandler({ ...http, schemas, handle, respond });
 */
export function composeRoute<R extends Repositories>(routeId: RouteId, repositories: R) {
  const route = routeById(routeId);
  const config = loadHandlerConfig();
  const client = traced(createDynamoDbClient({ endpoint: config.dynamoDbEndpoint }));
  const observability = createObservability(routeId);
  const dataTable = new DataTable(client, config.dataTableName);
  if (route.peekRecord && route.idempotency !== "commit") {
    throw new Error(`Route ${route.id}: peekRecord needs the commit strategy`);
  }
  const idempotencyMiddleware = route.idempotency
    ? idempotency<TransactWriteItem>({
        store: new DynamoDbIdempotencyStore({ client, tableName: config.idempotencyTableName }),
        strategy: route.idempotency,
        peek: route.peekRecord === true,
        retentionSeconds: config.idempotencyRetentionSeconds,
        logger: observability.logger,
        metrics: idempotencyMetricsOf(observability.metrics),
        // A refusal the middleware answers itself looks like every other problem.
        renderError: renderProblem,
      })
    : undefined;
  const built = Object.fromEntries(
    Object.entries(repositories).map(([name, Repository]) => [name, new Repository(dataTable)]),
  ) as { [K in keyof R]: InstanceType<R[K]> };
  return {
    ...built,
    config,
    client,
    observability,
    /** What `createHttpHandler` takes from the composition. */
    http: {
      route,
      observability,
      ...(idempotencyMiddleware ? { idempotency: idempotencyMiddleware } : {}),
    },
  };
}
