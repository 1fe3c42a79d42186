import { performance } from "node:perf_hooks";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import type { MiddlewareObj, Request } from "@middy/core";
import { type CorrelatedEvent, correlationIdOf } from "./correlation-id";
import type { PowertoolsLogger } from "./logger";
import { MetricName, type Metrics, MetricUnit } from "./metrics";
import { tracer } from "./tracer";

/** What a function observes itself with: Powertools' Logger and Metrics. */
export interface Observability {
  readonly logger: PowertoolsLogger;
  readonly metrics: Metrics;
}

const answerMetric = (statusCode: number) =>
  statusCode >= 500
    ? MetricName.Answer5xx
    : statusCode >= 400
      ? MetricName.Answer4xx
      : MetricName.Answer2xx;

/**
 * The Middy middlewares that make a request observable, to be registered
 * FIRST, so that their `after` and `onError` run last and see the final
 * answer (the stored one on a replay, the rendered problem on an error):
 *
 * - Powertools' Logger with the Lambda context, and the API Gateway request
 *   id as the correlation id (keys reset after each invocation);
 * - Powertools' Metrics, published once per invocation (cold start included);
 * - Powertools' Tracer around the handler;
 * - the answer's class (2xx/4xx/5xx) and the duration, per route.
 *
 * Logs, metrics and traces are scoped per invocation by Powertools, also
 * when the local gateway runs invocations concurrently in one process.
 */
export function observeRequests(observability: Observability): MiddlewareObj[] {
  const { logger, metrics } = observability;
  const startedAt = new WeakMap<object, number>();

  const answer = async (request: Request): Promise<void> => {
    const response = request.response as { statusCode?: unknown } | undefined;
    const statusCode = typeof response?.statusCode === "number" ? response.statusCode : 500;
    metrics.addMetric(answerMetric(statusCode), MetricUnit.Count, 1);
    const started = startedAt.get(request);
    if (started !== undefined) {
      metrics.addMetric(MetricName.Duration, MetricUnit.Milliseconds, performance.now() - started);
    }
  };

  const answerMetrics: MiddlewareObj = {
    before: async (request) => {
      startedAt.set(request, performance.now());
      const event = request.event as CorrelatedEvent | undefined;
      logger.setCorrelationId(correlationIdOf(event, request.context));
    },
    after: answer,
    onError: answer,
  };

  return [
    injectLambdaContext(logger, { resetKeys: true }),
    logMetrics(metrics, { captureColdStartMetric: true }),
    captureLambdaHandler(tracer),
    answerMetrics,
  ];
}
