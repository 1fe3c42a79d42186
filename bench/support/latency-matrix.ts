import { newId } from "../../functions/shared/ids";
import { type Variant, variantLabels, variants } from "../deposit/variants";
import type { DepositTarget } from "./deposit-requests";
import { describeStatuses, mergeTallies, runLoad, type StatusTally } from "./load";
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
  /**
   * Each round runs every cell once, the variants in an order rotated by one
   * each round, so a multiple of the number of variants gives each variant
   * each position equally often.
   */
  readonly rounds: number;
  readonly warmupRequests: number;
}

const scenarios = [
  { id: "first", label: "first execution (fresh key)" },
  { id: "replay", label: "replay (completed key)" },
] as const;
type Scenario = (typeof scenarios)[number]["id"];

/** One variant in one mode and scenario, over all rounds. */
interface Cell {
  readonly latencies: number[];
  readonly roundP50s: number[];
  requests: number;
  elapsedMs: number;
  readonly tallies: StatusTally[];
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
  if (plan.rounds % underLoad.length !== 0) {
    throw new Error(`${plan.name}: rounds must be a multiple of ${underLoad.length}`);
  }
  const replayKeys = new Map<Variant, readonly string[]>();
  for (const { variant, targets, send } of underLoad) {
    progress(`${plan.name}: warming up ${variantLabels[variant]}`);
    const keys = targets.map(() => newId());
    await Promise.all(targets.map((target, worker) => send(target, at(keys, worker), 1)));
    replayKeys.set(variant, keys);
    // Sequential, then concurrent: JIT and every connection of the pool warm.
    await runLoad(plan.warmupRequests, 1, () => send(at(targets, 0), newId(), 1));
    await runLoad(plan.warmupRequests, plan.concurrency, (worker) =>
      send(at(targets, worker), newId(), 1),
    );
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
  const cellOf = (mode: string, scenario: Scenario, variant: Variant): Cell => {
    const id = `${mode}/${scenario}/${variant}`;
    let cell = cells.get(id);
    if (!cell) {
      cell = { latencies: [], roundP50s: [], requests: 0, elapsedMs: 0, tallies: [] };
      cells.set(id, cell);
    }
    return cell;
  };

  for (let round = 0; round < plan.rounds; round += 1) {
    for (const mode of modes) {
      for (const { id: scenario } of scenarios) {
        progress(`${plan.name}: round ${round + 1}/${plan.rounds}, ${mode.label}, ${scenario}`);
        for (let turn = 0; turn < underLoad.length; turn += 1) {
          const { variant, targets, send } = at(underLoad, (turn + round) % underLoad.length);
          const keys = replayKeys.get(variant) ?? [];
          const result = await runLoad(mode.requests, mode.concurrency, (worker) => {
            const key = scenario === "first" ? newId() : at(keys, worker);
            return send(at(targets, worker), key, 1);
          });
          const cell = cellOf(mode.id, scenario, variant);
          cell.latencies.push(...result.latencies);
          cell.roundP50s.push(summarize(result.latencies).p50);
          cell.requests += mode.requests;
          cell.elapsedMs += result.elapsedMs;
          cell.tallies.push(result.statuses);
        }
      }
    }
  }

  const throughputOf = (cell: Cell) => cell.requests / (cell.elapsedMs / 1000);
  const tables = modes.map((mode) => {
    const rows = scenarios.flatMap(({ id: scenario, label }) => {
      const baseline = cellOf(mode.id, scenario, "none");
      return variants.map((variant) => {
        const cell = cellOf(mode.id, scenario, variant);
        const latency = summarize(cell.latencies);
        return [
          label,
          variantLabels[variant],
          ms(latency.p50),
          `${Math.min(...cell.roundP50s).toFixed(1)}–${Math.max(...cell.roundP50s).toFixed(1)}`,
          ms(latency.p95),
          ms(latency.p99),
          `${throughputOf(cell).toFixed(0)}/s`,
          ratio(latency.p50, summarize(baseline.latencies).p50),
          ratio(throughputOf(cell), throughputOf(baseline)),
          describeStatuses(mergeTallies(cell.tallies)),
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
          "p50 per round",
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

/** `items[index]`, which the caller knows exists; workers index their own target and key. */
function at<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error(`no item ${index} of ${items.length}`);
  return item;
}
