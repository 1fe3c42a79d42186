import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { IdempotencyMetrics, IdempotencyOutcome } from "../../idempotency";

/** The CloudWatch namespace of every metric of the API (EMF, from the functions' logs). */
export const METRICS_NAMESPACE = "PaymentsApi";

/** The `service` dimension of the outbox publisher's metrics (the API's functions use their route id). */
export const OUTBOX_SERVICE = "outbox-publisher";

/** The names the dashboard and the alarms read (lib/api/emf-metrics.ts takes them from here). */
export const MetricName = {
  IdempotencyExecuted: "IdempotencyExecuted",
  IdempotencyReplayed: "IdempotencyReplayed",
  IdempotencyKeyReused: "IdempotencyKeyReused",
  IdempotencyInProgress: "IdempotencyInProgress",
  IdempotencyStoreUnavailable: "IdempotencyStoreUnavailable",
  Answer2xx: "Answer2xx",
  Answer4xx: "Answer4xx",
  Answer5xx: "Answer5xx",
  Duration: "Duration",
  EventsPublished: "EventsPublished",
  DuplicatesSuppressed: "DuplicatesSuppressed",
  OutboxLag: "OutboxLag",
  /** A processor call whose outcome the API did not learn (answered 503 payment-processor-unavailable). */
  ProcessorUnknownOutcome: "ProcessorUnknownOutcome",
  /** The processor's circuit opened: calls fail fast until a probe succeeds. */
  ProcessorCircuitOpened: "ProcessorCircuitOpened",
  /** The reconciler's run: items settled, still unknown at the processor, not resumable. */
  ReconcilerSettled: "ReconcilerSettled",
  ReconcilerStillUnknown: "ReconcilerStillUnknown",
  ReconcilerFailed: "ReconcilerFailed",
  ReconcilerMovementsFolded: "ReconcilerMovementsFolded",
  /** Age of the oldest card payment or refund still unsettled (seconds): alarmed past an hour. */
  OldestUnsettledAge: "OldestUnsettledAge",
} as const;

/** The `service` dimension of the reconciler's metrics. */
export const RECONCILER_SERVICE = "reconciler";

const outcomeMetric: Readonly<Record<IdempotencyOutcome, string>> = {
  executed: MetricName.IdempotencyExecuted,
  replayed: MetricName.IdempotencyReplayed,
  "key-reused": MetricName.IdempotencyKeyReused,
  "in-progress": MetricName.IdempotencyInProgress,
  "store-unavailable": MetricName.IdempotencyStoreUnavailable,
};

/**
 * Powertools Metrics for one function: EMF lines on stdout, which CloudWatch
 * turns into metrics with the dimension `service` (the route id). Metrics
 * added during an invocation are published once, at its end.
 */
export function createMetrics(service: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
}

/** The idempotency layer's metrics port, counted on Powertools Metrics. */
export function idempotencyMetricsOf(metrics: Metrics): IdempotencyMetrics {
  return {
    outcome: (outcome) => metrics.addMetric(outcomeMetric[outcome], MetricUnit.Count, 1),
  };
}

export { type Metrics, MetricUnit };
