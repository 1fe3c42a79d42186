import { performance } from "node:perf_hooks";
import { newId } from "../../functions/domain/primitives";
import { depositHandlers, type Variant, variantLabels, variants } from "../deposit/variants";
import type { BenchDatabase } from "./bench-database";
import {
  benchHandlerOf,
  type DepositHandlerFactory,
  type DepositTarget,
  depositEvent,
  invokeDeposit,
  openAccounts,
} from "./deposit-requests";
import { type LoadResult, runLoad, type StatusTally, tally } from "./load";
import { progress } from "./progress";
import { summarize } from "./statistics";

/** Sends one deposit and returns the status of the answer. */
export type DepositSender = (target: DepositTarget, key: string, amount: number) => Promise<number>;

/**
 * One column of the matrix: a variant of `variants.ts`, or (typed `V`) a
 * composition a section compares beside them.
 */
export interface VariantUnderLoad<V extends string = Variant> {
  readonly variant: V;
  /** How progress names it. */
  readonly label: string;
  /** One account per concurrent worker, so workers do not race for one balance. */
  readonly targets: readonly DepositTarget[];
  readonly send: DepositSender;
}

export interface LatencyPlan {
  readonly name: string;
  readonly sequentialRequests: number;
  readonly concurrency: number;
  /** 0: the sequential mode alone. */
  readonly concurrentRequests: number;
  /**
   * Each round runs every cell once, the variants in an order rotated by one
   * each round (sequential requests take turns, see `interleaved`); a
   * multiple of the number of variants, so each variant holds each position
   * equally often.
   */
  readonly rounds: number;
  readonly warmupRequests: number;
}

export const scenarios = [
  { id: "first", label: "first execution (fresh key)" },
  { id: "replay", label: "replay (completed key)" },
] as const;
export type Scenario = (typeof scenarios)[number]["id"];

export interface LatencyMode {
  readonly id: "sequential" | "concurrent";
  readonly label: string;
  readonly concurrency: number;
  readonly requests: number;
}

/** One variant in one mode and scenario, over all rounds. */
export interface LatencyCell {
  readonly latencies: number[];
  /** The p50 of each round, in round order: the same index is the same round in every cell. */
  readonly roundP50s: number[];
  requests: number;
  elapsedMs: number;
  readonly tallies: StatusTally[];
}

export interface LatencyResults<V extends string = Variant> {
  readonly plan: LatencyPlan;
  readonly modes: readonly LatencyMode[];
  cell(mode: LatencyMode["id"], scenario: Scenario, variant: V): LatencyCell;
}

/**
 * Latencies and throughput of every variant, sequential and concurrent, for
 * fresh keys and for replays, in rotated rounds.
 */
export async function runLatencyMatrix<V extends string = Variant>(
  plan: LatencyPlan,
  underLoad: readonly VariantUnderLoad<V>[],
): Promise<LatencyResults<V>> {
  if (plan.rounds % underLoad.length !== 0) {
    throw new Error(`${plan.name}: rounds must be a multiple of ${underLoad.length}`);
  }
  const replayKeys = new Map<V, readonly string[]>();
  for (const { variant, label, targets, send } of underLoad) {
    progress(`${plan.name}: warming up ${label}`);
    const keys = targets.map(() => newId());
    await Promise.all(targets.map((target, worker) => send(target, at(keys, worker), 1)));
    replayKeys.set(variant, keys);
    // Sequential, then concurrent: JIT and every connection of the pool warm.
    await runLoad(plan.warmupRequests, 1, () => send(at(targets, 0), newId(), 1));
    if (plan.concurrentRequests > 0) {
      await runLoad(plan.warmupRequests, plan.concurrency, (worker) =>
        send(at(targets, worker), newId(), 1),
      );
    }
  }

  const modes: readonly LatencyMode[] = [
    {
      id: "sequential" as const,
      label: "sequential",
      concurrency: 1,
      requests: plan.sequentialRequests,
    },
    {
      id: "concurrent" as const,
      label: `${plan.concurrency} concurrent`,
      concurrency: plan.concurrency,
      requests: plan.concurrentRequests,
    },
  ].filter((mode) => mode.requests > 0);
  const cells = new Map<string, LatencyCell>();
  const cell = (mode: LatencyMode["id"], scenario: Scenario, variant: V): LatencyCell => {
    const id = `${mode}/${scenario}/${variant}`;
    let found = cells.get(id);
    if (!found) {
      found = { latencies: [], roundP50s: [], requests: 0, elapsedMs: 0, tallies: [] };
      cells.set(id, found);
    }
    return found;
  };

  const record = (mode: LatencyMode, scenario: Scenario, variant: V, result: LoadResult) => {
    const measured = cell(mode.id, scenario, variant);
    measured.latencies.push(...result.latencies);
    measured.roundP50s.push(summarize(result.latencies).p50);
    measured.requests += mode.requests;
    measured.elapsedMs += result.elapsedMs;
    measured.tallies.push(result.statuses);
  };
  const keyFor = (scenario: Scenario, variant: V, worker: number) =>
    scenario === "first" ? newId() : at(replayKeys.get(variant) ?? [], worker);

  for (let round = 0; round < plan.rounds; round += 1) {
    for (const mode of modes) {
      for (const { id: scenario } of scenarios) {
        progress(`${plan.name}: round ${round + 1}/${plan.rounds}, ${mode.label}, ${scenario}`);
        if (mode.concurrency === 1) {
          const results = await interleaved(underLoad, mode.requests, round, (variant) =>
            keyFor(scenario, variant, 0),
          );
          for (const [variant, result] of results) record(mode, scenario, variant, result);
          continue;
        }
        for (let turn = 0; turn < underLoad.length; turn += 1) {
          const { variant, targets, send } = at(underLoad, turn + round);
          const result = await runLoad(mode.requests, mode.concurrency, (worker) =>
            send(at(targets, worker), keyFor(scenario, variant, worker), 1),
          );
          record(mode, scenario, variant, result);
        }
      }
    }
  }
  return { plan, modes, cell };
}

/**
 * Sequential requests, the variants taking turns request by request (in an
 * order rotated by one after each request, starting one further each round),
 * so that a noisy moment of the machine falls on every variant alike.
 * A variant's elapsed time is the sum of its own requests' latencies.
 */
async function interleaved<V extends string>(
  underLoad: readonly VariantUnderLoad<V>[],
  requests: number,
  round: number,
  keyFor: (variant: V) => string,
): Promise<Map<V, LoadResult>> {
  const latencies = new Map<V, number[]>(underLoad.map(({ variant }) => [variant, []]));
  const statuses = new Map<V, number[]>(underLoad.map(({ variant }) => [variant, []]));
  for (let request = 0; request < requests; request += 1) {
    for (let turn = 0; turn < underLoad.length; turn += 1) {
      const { variant, targets, send } = at(underLoad, turn + round + request);
      const sentAt = performance.now();
      statuses.get(variant)?.push(await send(at(targets, 0), keyFor(variant), 1));
      latencies.get(variant)?.push(performance.now() - sentAt);
    }
  }
  return new Map(
    underLoad.map(({ variant }) => {
      const own = latencies.get(variant) ?? [];
      const result: LoadResult = {
        latencies: own,
        elapsedMs: own.reduce((sum, latency) => sum + latency, 0),
        statuses: tally(statuses.get(variant) ?? []),
      };
      return [variant, result];
    }),
  );
}

/**
 * Every variant's handler called in-process, as Lambda calls it, each on a
 * client of its own, with one account per worker.
 */
export function inProcessDepositors(
  database: BenchDatabase,
  workers: number,
): Promise<VariantUnderLoad[]> {
  return inProcessColumns(
    database,
    workers,
    variants.map((variant) => ({
      variant,
      label: variantLabels[variant],
      factory: depositHandlers[variant],
    })),
  );
}

/** A column of a section's own: an id, its label, and the deposit composition it measures. */
export interface DepositColumn<V extends string> {
  readonly variant: V;
  readonly label: string;
  readonly factory: DepositHandlerFactory;
}

/** `inProcessDepositors` for columns a section chooses, variants or not. */
export async function inProcessColumns<V extends string>(
  database: BenchDatabase,
  workers: number,
  columns: readonly DepositColumn<V>[],
): Promise<VariantUnderLoad<V>[]> {
  const underLoad: VariantUnderLoad<V>[] = [];
  for (const { variant, label, factory } of columns) {
    const client = database.client().dynamoDb;
    const handler = benchHandlerOf(factory, client);
    underLoad.push({
      variant,
      label,
      targets: await openAccounts(client, workers),
      send: (target, key, amount) => invokeDeposit(handler, depositEvent(target, key, amount)),
    });
  }
  return underLoad;
}

/** Requests per second over every round of a cell. */
export function throughputOf(cell: LatencyCell): number {
  return cell.requests / (cell.elapsedMs / 1000);
}

/** `items[index]`, which the caller knows exists; workers index their own target and key. */
function at<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error(`no item ${index} of ${items.length}`);
  return item;
}
