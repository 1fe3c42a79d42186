import { goalTable } from "../support/goals";
import { firstExecutionGoals, replayGoals } from "../support/latency-goals";
import { inProcessDepositors, runLatencyMatrix } from "../support/latency-matrix";
import { latencyTables } from "../support/latency-report";
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
