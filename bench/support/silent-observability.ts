import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Observability } from "../../functions/shared/observability/observe-requests";

/**
 * The HTTP pipeline's observability, as deployed (Powertools' middlewares
 * run) but writing nothing: the bench's stdout is its report, and every
 * variant pays the same.
 */
export function silentObservability(): Observability {
  // Powertools reads it when metrics are published: EMF lines would land in the report.
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  return {
    logger: new Logger({ serviceName: "bench", logLevel: "SILENT" }),
    metrics: new Metrics({ namespace: "bench", serviceName: "bench", singleMetric: false }),
  };
}
