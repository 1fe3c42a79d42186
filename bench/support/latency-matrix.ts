import { newId } from "../../functions/shared/ids";
import { type Variant, variantLabels, variants } from "../deposit/variants";
import type { DepositTarget } from "./deposit-requests";
import { describeStatuses, runLoad } from "./load";
import { markdownTable, ms, ratio } from "./markdown";
import { progress } from "./progress";
import { summarize } from "./statistics";

/** Sends one deposit and returns the status of the answer. */
export type DepositSender = (target: DepositTarget, key: string, amount: number) => Promise<number>;

export interface VariantUnderLoad {
  readonly variant: Variant;
  /** One account per concurrent worker, so workers do not race for one balance. */
  readonly targets: readonly DepositTarget[];
  readonly send: DepositSender;
}

export interface LatencyPlan {
  readonly name: string;
  readonly sequentialRequests: number;
  readonly concurrency: number;
  readonly concurrentRequests: number;
  /** Each round runs every cell once, variants in a rotated order, to spread drift evenly. */
  readonly rounds: number;
  readonly warmupRequests: number;
}

const scenarios = [
  { id: "first", label: "first execution (fresh key)" },
  { id: "replay", label: "replay (completed key)" },
] as const;
type Scenario = (typeof scenarios)[number]["id"];

interface Cell {
  readonly latencies: number[];
  readonly throughputs: number[];
  readonly statuses: Map<number, number>;
}

/**
 * Latency percentiles and throughput of every variant, sequential and
 * concurrent, for fresh keys and for replays; Markdown with ratios against
 * "no idempotency" measured in the same rounds.
 */
export async function runLatencyMatrix(
  plan: LatencyPlan,
  underLoad: readonly VariantUnderLoad[],
): Promise<string> {
  const replayKeys = new Map<Variant, string[]>();
  for (const { variant, targets, send } of underLoad) {
    progress(`${plan.name}: warming up ${variantLabels[variant]}`);
    const keys = targets.map(() => newId());
    for (const [worker, target] of targets.entries()) await send(target, keys[worker] ?? "", 1);
    replayKeys.set(variant, keys);
    for (let index = 0; index < plan.warmupRequests; index += 1) {
      await send(targets[index % targets.length] as DepositTarget, newId(), 1);
    }
  }

  const modes = [
    { id: "sequential", label: "sequential", concurrency: 1, requests: plan.sequentialRequests },
    {
      id: "concurrent",
      label: `${plan.concurrency} concurrent`,
      concurrency: plan.concurrency,
      requests: plan.concurrentRequests,
    },
  ] as const;
  const cells = new Map<string, Cell>();
  const cellOf = (mode: string, scenario: Scenario, variant: Variant) => {
    const id = `${mode}/${scenario}/${variant}`;
    let cell = cells.get(id);
    if (!cell) {
      cell = { latencies: [], throughputs: [], statuses: new Map() };
      cells.set(id, cell);
    }
    return cell;
  };

  for (let round = 0; round < plan.rounds; round += 1) {
    for (const mode of modes) {
      for (const { id: scenario } of scenarios) {
        progress(`${plan.name}: round ${round + 1}/${plan.rounds}, ${mode.label}, ${scenario}`);
        for (let turn = 0; turn < underLoad.length; turn += 1) {
          const { variant, targets, send } = underLoad[
            (turn + round) % underLoad.length
          ] as VariantUnderLoad;
          const keys = replayKeys.get(variant) ?? [];
          const result = await runLoad(mode.requests, mode.concurrency, (worker) => {
            const target = targets[worker % targets.length] as DepositTarget;
            const key = scenario === "first" ? newId() : (keys[worker % keys.length] ?? "");
            return send(target, key, 1);
          });
          const cell = cellOf(mode.id, scenario, variant);
          cell.latencies.push(...result.latencies);
          cell.throughputs.push(result.throughput);
          for (const [status, count] of result.statuses) {
            cell.statuses.set(status, (cell.statuses.get(status) ?? 0) + count);
          }
        }
      }
    }
  }

  const tables = modes.map((mode) => {
    const rows = scenarios.flatMap(({ id: scenario, label }) => {
      const baseline = cellOf(mode.id, scenario, "none");
      const baseP50 = summarize(baseline.latencies).p50;
      const baseThroughput = mean(baseline.throughputs);
      return variants.map((variant) => {
        const cell = cellOf(mode.id, scenario, variant);
        const latency = summarize(cell.latencies);
        const throughput = mean(cell.throughputs);
        return [
          label,
          variantLabels[variant],
          ms(latency.p50),
          ms(latency.p95),
          ms(latency.p99),
          `${throughput.toFixed(0)}/s`,
          ratio(latency.p50, baseP50),
          ratio(throughput, baseThroughput),
          describeStatuses(cell.statuses),
        ];
      });
    });
    return [
      `**${mode.label}** (${mode.requests} requests per round × ${plan.rounds} rounds)`,
      "",
      markdownTable(
        [
          "case",
          "variant",
          "p50",
          "p95",
          "p99",
          "throughput",
          "p50 vs none",
          "throughput vs none",
          "answers",
        ],
        rows,
      ),
    ].join("\n");
  });
  return tables.join("\n\n");
}

const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
