import { createLogger } from "./logger";
import { createMetrics } from "./metrics";
import type { Observability } from "./observe-requests";

/** The Logger and Metrics of one function, named after it (the route id). */
export function createObservability(service: string): Observability {
  return { logger: createLogger(service), metrics: createMetrics(service) };
}
