import { variantLabels, variants } from "../deposit/variants";
import {
  type LatencyCell,
  type LatencyMode,
  type LatencyResults,
  scenarios,
  throughputOf,
} from "./latency-matrix";
import { describeStatuses, mergeTallies } from "./load";
import { markdownTable, ms, ratio, roundRatios } from "./markdown";
import { ratiosPerRound, summarize } from "./statistics";

/** Each round's p50 over the same round's p50 of `baseline`. */
export function perRoundRatios(cell: LatencyCell, baseline: LatencyCell): number[] {
  return ratiosPerRound(cell.roundP50s, baseline.roundP50s);
}

/** p50 over all rounds. */
export const p50Of = (cell: LatencyCell) => summarize(cell.latencies).p50;

/** The baseline of every ratio: no idempotency, fresh keys, same mode, same run. */
export function baselineOf(results: LatencyResults, mode: LatencyMode["id"]): LatencyCell {
  return results.cell(mode, "first", "none");
}

/**
 * One table per mode. Every ratio is against "no idempotency, first
 * execution" of the same mode: a replay is then read against the cost of
 * simply doing the deposit (without idempotency a "replay" is one anyway).
 */
export function latencyTables(results: LatencyResults): string {
  const tables = results.modes.map((mode) => {
    const baseline = baselineOf(results, mode.id);
    const rows = scenarios.flatMap(({ id: scenario, label }) =>
      variants.map((variant) => {
        const cell = results.cell(mode.id, scenario, variant);
        const latency = summarize(cell.latencies);
        return [
          label,
          variantLabels[variant],
          ms(latency.p50),
          ratio(latency.p50, p50Of(baseline)),
          roundRatios(perRoundRatios(cell, baseline)),
          ms(latency.p95),
          ms(latency.p99),
          `${throughputOf(cell).toFixed(0)}/s`,
          ratio(throughputOf(cell), throughputOf(baseline)),
          describeStatuses(mergeTallies(cell.tallies)),
        ];
      }),
    );
    return [
      `**${mode.label}** (${mode.requests} requests per round × ${results.plan.rounds} rounds)`,
      "",
      markdownTable(
        [
          "case",
          "variant",
          "p50",
          "p50 vs none",
          "p50 vs none, each round",
          "p95",
          "p99",
          "throughput",
          "throughput vs none",
          "answers",
        ],
        rows,
      ),
    ].join("\n");
  });
  const note = [
    "“vs none”: against no idempotency's first execution in the same mode, measured in the same",
    "run (each round against the same round). Sequential requests take turns between the variants",
    "request by request, in an order rotated by one after each request, so a noisy moment of the",
    "machine falls on all of them alike; concurrent runs go variant by variant, in an order",
    "rotated by one each round, so each variant holds each position equally often.",
  ].join("\n");
  return [...tables, note].join("\n\n");
}
