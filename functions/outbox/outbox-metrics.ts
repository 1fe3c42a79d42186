import { MetricName, type Metrics, MetricUnit } from "../shared/observability/metrics";
import type { PublishOutboxEventsResult } from "./publish-outbox-events";

/**
 * The outbox's own metrics for one batch: events published, duplicates
 * suppressed (redelivered events published before) and the lag of the
 * oldest event published (from its commit to its publication).
 */
export function recordBatchMetrics(metrics: Metrics, result: PublishOutboxEventsResult): void {
  metrics.addMetric(MetricName.EventsPublished, MetricUnit.Count, result.published);
  metrics.addMetric(MetricName.DuplicatesSuppressed, MetricUnit.Count, result.alreadyPublished);
  if (result.maxLagMs !== undefined) {
    metrics.addMetric(MetricName.OutboxLag, MetricUnit.Milliseconds, result.maxLagMs);
  }
}
