/**
 * The custom metrics the functions write as CloudWatch embedded metric format
 * (Powertools Metrics): namespace, dimension and names, as the dashboard and
 * alarms read them. Every metric has one dimension, `service`: the route id
 * for the API's functions, `outbox-publisher` for the publisher.
 */
export const METRICS_NAMESPACE = "PaymentsApi";
export const SERVICE_DIMENSION = "service";
export const OUTBOX_SERVICE = "outbox-publisher";

/** How the idempotency layer decided, one count per request of an idempotent route. */
export const IDEMPOTENCY_OUTCOMES = {
  IdempotencyExecuted: "executed",
  IdempotencyReplayed: "replayed",
  IdempotencyKeyReused: "key reused (422)",
  IdempotencyInProgress: "in progress (409)",
  IdempotencyStoreUnavailable: "store unavailable (503)",
} as const;

/** Answers by status class, per route. */
export const ANSWER_CLASSES = { Answer2xx: "2xx", Answer4xx: "4xx", Answer5xx: "5xx" } as const;

/** Milliseconds a route's handler took. */
export const DURATION_METRIC = "Duration";

/** The outbox publisher's counts and its lag (event written → published), in milliseconds. */
export const OUTBOX_METRICS = {
  EventsPublished: "published",
  DuplicatesSuppressed: "duplicates suppressed",
} as const;
export const OUTBOX_LAG_METRIC = "OutboxLag";
