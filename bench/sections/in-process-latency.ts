import { variants } from "../deposit/variants";
import {
  benchDepositHandler,
  depositEvent,
  invokeDeposit,
  openAccounts,
} from "../support/deposit-requests";
import { runLatencyMatrix, type VariantUnderLoad } from "../support/latency-matrix";
import type { BenchSection } from "./section";

const CONCURRENCY = 16;

/**
 * Section 2: the handlers called in-process, as Lambda calls them, so that
 * the idempotency layer's own cost (its DynamoDB requests included) is the
 * only difference between the columns.
 */
export const inProcessLatency: BenchSection = {
  title: "Latency and throughput, handlers invoked in-process",
  async run(database) {
    const underLoad: VariantUnderLoad[] = [];
    for (const variant of variants) {
      const client = database.client().dynamoDb;
      const handler = benchDepositHandler(variant, client);
      underLoad.push({
        variant,
        targets: await openAccounts(client, CONCURRENCY),
        send: (target, key, amount) => invokeDeposit(handler, depositEvent(target, key, amount)),
      });
    }
    const tables = await runLatencyMatrix(
      {
        name: "in-process",
        sequentialRequests: 150,
        concurrency: CONCURRENCY,
        concurrentRequests: 480,
        rounds: 3,
        warmupRequests: 50,
      },
      underLoad,
    );
    return [
      tables,
      "",
      "Latency is from the handler call to its answer; throughput is requests per second over a",
      "run. Each worker deposits into an account of its own. A replay under no idempotency is just",
      "another deposit (the money moves again); it is listed so the rows line up.",
    ].join("\n");
  },
};
