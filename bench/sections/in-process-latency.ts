import { variantLabels, variants } from "../deposit/variants";
import { goalTable } from "../support/goals";
import { recordHeadline } from "../support/headlines";
import { firstExecutionGoals, replayGoals } from "../support/latency-goals";
import {
  inProcessDepositors,
  type LatencyResults,
  runLatencyMatrix,
  scenarios,
} from "../support/latency-matrix";
import { baselineOf, latencyTables, p50Of, perRoundRatios } from "../support/latency-report";
import type { BenchSection } from "./section";

const CONCURRENCY = 16;

/**
 * Section 3: the handlers called in-process, as Lambda calls them, so that
 * the idempotency layer's own cost (its DynamoDB requests included) is the
 * only difference between the columns.
 */
export const inProcessLatency: BenchSection = {
  title: "Latency and throughput, handlers invoked in-process",
  async run(database) {
    const underLoad = await inProcessDepositors(database, CONCURRENCY);
    const results = await runLatencyMatrix(
      {
        name: "in-process",
        sequentialRequests: 100,
        concurrency: CONCURRENCY,
        concurrentRequests: 160,
        rounds: 4,
        warmupRequests: 40,
      },
      underLoad,
    );
    recordHeadlines(results);
    return [
      latencyTables(results),
      "",
      "Goals, in-process, sequential:",
      "",
      goalTable([
        ...firstExecutionGoals(results, "sequential"),
        ...replayGoals(results, "sequential", ["commit", "lease"]),
      ]),
      "",
      "Latency is from the handler call to its answer; throughput is requests per second over a",
      "run. Each worker deposits into an account of its own. A replay under no idempotency is just",
      "another deposit (the money moves again); it is listed so the rows line up. Under the commit",
      "strategy a replay runs the handler (its read, then a transaction the record's condition",
      "cancels) and answers the stored answer; the lease strategy and Powertools answer it from",
      "their first write, before the handler.",
    ].join("\n");
  },
};

/**
 * The bench's latency headlines (bench/headlines.svg): every variant's first
 * execution and replay, sequential, against no idempotency's first execution,
 * as the table and the goals above give them.
 */
function recordHeadlines(results: LatencyResults): void {
  const baseline = baselineOf(results, "sequential");
  for (const { id: scenario } of scenarios) {
    for (const variant of variants) {
      const cell = results.cell("sequential", scenario, variant);
      recordHeadline({
        group: scenario === "first" ? "first-execution" : "replay",
        label: variantLabels[variant],
        ratio: p50Of(cell) / p50Of(baseline),
        rounds: perRoundRatios(cell, baseline),
      });
    }
  }
}
