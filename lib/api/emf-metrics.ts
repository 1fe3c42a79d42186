/**
 * The custom metrics the functions write as CloudWatch embedded metric format
 * (Powertools Metrics): namespace, dimension and names, as the dashboard and
 * alarms read them. Every metric has one dimension, `service`: the route id
 * for the API's functions, `outbox-publisher` for the publisher.
 */
import { MetricName } from "../../functions/shared/observability/metrics";

// The names the functions write: one definition, so the dashboard cannot drift from them.
export {
  METRICS_NAMESPACE,
  OUTBOX_SERVICE,
  RECONCILER_SERVICE,
} from "../../functions/shared/observability/metrics";
export const SERVICE_DIMENSION = "service";

/** How the idempotency layer decided, one count per request of an idempotent route. */
export const IDEMPOTENCY_OUTCOMES = {
  [MetricName.IdempotencyExecuted]: "executed",
  [MetricName.IdempotencyReplayed]: "replayed",
  [MetricName.IdempotencyKeyReused]: "key reused (422)",
  [MetricName.IdempotencyInProgress]: "in progress (409)",
  [MetricName.IdempotencyStoreUnavailable]: "store unavailable (503)",
} as const;

/** Answers by status class, per route. */
export const ANSWER_CLASSES = {
  [MetricName.Answer2xx]: "2xx",
  [MetricName.Answer4xx]: "4xx",
  [MetricName.Answer5xx]: "5xx",
} as const;

/** Milliseconds a route's handler took. */
export const DURATION_METRIC = MetricName.Duration;

/** The outbox publisher's counts and its lag (event written → published), in milliseconds. */
export const OUTBOX_METRICS = {
  [MetricName.EventsPublished]: "published",
  [MetricName.DuplicatesSuppressed]: "duplicates suppressed",
} as const;
export const OUTBOX_LAG_METRIC = MetricName.OutboxLag;

/** The reconciler's counts per run. */
export const RECONCILER_METRICS = {
  [MetricName.ReconcilerSettled]: "settled",
  [MetricName.ReconcilerStillUnknown]: "still unknown at the processor",
  [MetricName.ReconcilerFailed]: "failed",
  [MetricName.ReconcilerMovementsFolded]: "queued movements folded",
} as const;

/** Seconds the oldest unsettled card payment, refund or queued movement has waited (the reconciler's, each run). */
export const OLDEST_UNSETTLED_METRIC = MetricName.OldestUnsettledAge;

/** The processor's trouble as the routes that call it count it. */
export const PROCESSOR_UNKNOWN_OUTCOME_METRIC = MetricName.ProcessorUnknownOutcome;
export const PROCESSOR_CIRCUIT_OPENED_METRIC = MetricName.ProcessorCircuitOpened;
