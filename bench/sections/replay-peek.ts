import { depositWithThisProject } from "../deposit/this-project";
import { depositHandlers, variantLabels } from "../deposit/variants";
import { type Bill, billPerMillion, routeFunctionConfiguration } from "../support/aws-bill";
import type { DepositHandlerFactory } from "../support/deposit-requests";
import { mean, meterDeposits, type UsageSample, usageOf } from "../support/deposit-usage";
import {
  type DepositColumn,
  inProcessColumns,
  type LatencyPlan,
  runLatencyMatrix,
  type Scenario,
  scenarios,
} from "../support/latency-matrix";
import { p50Of, perRoundRatios } from "../support/latency-report";
import {
  constantOrSpread,
  markdownTable,
  ms,
  ratio,
  roundRatios,
  spread,
} from "../support/markdown";
import { progress } from "../support/progress";
import type { BenchSection } from "./section";

/** The columns: the baseline of every ratio, the API's composition, and the same with `peek`. */
const columns = ["none", "commit", "peek"] as const;
type Column = (typeof columns)[number];

const labels: Record<Column, string> = {
  none: variantLabels.none,
  commit: variantLabels.commit,
  peek: `${variantLabels.commit} + peek`,
};

const factories: Record<Column, DepositHandlerFactory> = {
  none: depositHandlers.none,
  commit: depositHandlers.commit,
  // Not a variant of variants.ts: that would add a column to every section.
  peek: depositWithThisProject("commit", { peek: true }),
};

/** Fresh keys per column whose first execution and replay are metered, as the bill. */
const REPETITIONS = 20;
const AMOUNT = 100;
/** 300 sequential requests per column and case; 6 rounds, so each column holds each turn twice. */
const LATENCY_PLAN: LatencyPlan = {
  name: "replay-peek",
  sequentialRequests: 50,
  concurrency: 1,
  concurrentRequests: 0,
  rounds: 6,
  warmupRequests: 40,
};

/**
 * The commit strategy with and without `peek`, on the deposit route: what
 * the peek's read costs a first execution and what skipping the refused
 * transaction saves a replay, in requests, units, time and dollars.
 */
export const replayPeek: BenchSection = {
  title: "Replay peek: what a first execution pays, what a replay saves (deposit route)",
  async run(database) {
    const lambda = routeFunctionConfiguration();
    const samples = new Map<string, UsageSample[]>();
    for (const column of columns) {
      progress(`replay-peek: units of ${labels[column]}`);
      const metered = await meterDeposits(database, factories[column], {
        repetitions: REPETITIONS,
        amount: AMOUNT,
        label: labels[column],
      });
      for (const { id: scenario } of scenarios) {
        samples.set(`${scenario}/${column}`, metered[scenario]);
      }
    }
    // Clients without meters, as the bill: a meter's own reads would lengthen every write.
    const depositors: DepositColumn<Column>[] = columns.map((column) => ({
      variant: column,
      label: labels[column],
      factory: factories[column],
    }));
    const latency = await runLatencyMatrix(
      LATENCY_PLAN,
      await inProcessColumns(database, LATENCY_PLAN.concurrency, depositors),
    );

    const samplesOf = (scenario: Scenario, column: Column) =>
      samples.get(`${scenario}/${column}`) ?? [];
    const cellOf = (scenario: Scenario, column: Column) =>
      latency.cell("sequential", scenario, column);
    const billOf = (scenario: Scenario, column: Column, cancelledBilled = true): Bill =>
      billPerMillion(
        usageOf(samplesOf(scenario, column), cellOf(scenario, column).latencies, cancelledBilled),
        lambda.memoryMb,
      );
    const baseline = cellOf("first", "none");
    const baselineBill = billOf("first", "none");

    const rows = scenarios.flatMap(({ id: scenario, label }) =>
      columns.map((column) => {
        const measured = samplesOf(scenario, column);
        const of = (pick: (sample: UsageSample) => number) => constantOrSpread(measured.map(pick));
        const cell = cellOf(scenario, column);
        const { dynamoDb, total } = billOf(scenario, column);
        const again = scenario === "replay" && column === "none";
        return [
          label,
          `${labels[column]}${again ? " (deposits again)" : ""}`,
          describeRequests(measured),
          of((sample) => sample.readUnits),
          `${of((sample) => sample.writeUnits)} (${of((sample) => sample.refusedWriteUnits)})`,
          `${ms(p50Of(cell))} (${spread(cell.roundP50s)})`,
          `${ratio(p50Of(cell), p50Of(baseline))} (${roundRatios(perRoundRatios(cell, baseline))})`,
          usd(dynamoDb),
          `**${usd(total)}**`,
          ratio(total, baselineBill.total),
        ];
      }),
    );

    // Commit against commit + peek, case by case, from the figures in the table.
    const meanOf = (scenario: Scenario, column: Column, pick: (sample: UsageSample) => number) =>
      mean(samplesOf(scenario, column).map(pick));
    const p50Change = (scenario: Scenario) =>
      p50Of(cellOf(scenario, "peek")) - p50Of(cellOf(scenario, "commit"));
    const dollarChange = (scenario: Scenario, cancelledBilled = true) =>
      billOf(scenario, "peek", cancelledBilled).total -
      billOf(scenario, "commit", cancelledBilled).total;
    const compare = (scenario: Scenario) => {
      const fromTo = (pick: (sample: UsageSample) => number) =>
        `${round(meanOf(scenario, "commit", pick))} → ${round(meanOf(scenario, "peek", pick))}`;
      const operations = [
        ...new Set(
          (["commit", "peek"] as const).flatMap((column) =>
            samplesOf(scenario, column).flatMap((sample) => [...sample.operations.keys()]),
          ),
        ),
      ]
        .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
        .flatMap((name) => {
          const change =
            meanOf(scenario, "peek", (sample) => sample.operations.get(name) ?? 0) -
            meanOf(scenario, "commit", (sample) => sample.operations.get(name) ?? 0);
          return change === 0 ? [] : [`${signed(change)} ${name}`];
        });
      const [from, to] = [billOf(scenario, "commit"), billOf(scenario, "peek")];
      return [
        `requests ${fromTo((sample) => sample.requests)} (${operations.join(", ") || "the same"})`,
        `read units ${fromTo((sample) => sample.readUnits)}`,
        `write units ${fromTo((sample) => sample.writeUnits)}`,
        `p50 ${ms(p50Of(cellOf(scenario, "commit")))} → ${ms(p50Of(cellOf(scenario, "peek")))} (${signedMs(p50Change(scenario))}; peek ÷ commit, each round: ${roundRatios(perRoundRatios(cellOf(scenario, "peek"), cellOf(scenario, "commit")))})`,
        `${usd(from.total)} → ${usd(to.total)} per million (${signedUsd(to.total - from.total)}, of which DynamoDB ${signedUsd(to.dynamoDb - from.dynamoDb)})`,
      ].join("; ");
    };
    const firstTime = p50Change("first");

    return [
      markdownTable(
        [
          "case",
          "variant",
          "DynamoDB requests → answer",
          "read units",
          "write units (of which refused or cancelled)",
          "p50 (each round's)",
          "p50 vs none (each round)",
          "DynamoDB $/million",
          "total $/million",
          "total vs none",
        ],
        rows,
      ),
      "",
      "Commit → commit + peek:",
      "",
      `- **first execution**: ${compare("first")}.`,
      `- **replay**: ${compare("replay")}.`,
      "",
      "**When to opt in:** every first execution pays the peek and only replays gain from it. With",
      `a share r of a route's requests being replays, peek comes out ahead at these figures once r >`,
      `${percent(breakEven(dollarChange("first"), -dollarChange("replay")))} in dollars (${percent(breakEven(dollarChange("first", false), -dollarChange("replay", false)))} if a cancelled transaction's other items are not billed,`,
      `the bill section's lower bound) and r > ${percent(breakEven(firstTime, -p50Change("replay")))} in time (from the p50s). A route whose`,
      "traffic is mostly retries is far past both; a route whose requests are nearly all first",
      "executions, as every route of this API (the processor webhook included: redeliveries follow failures), would",
      `pay ${firstTime > 0 ? `${ms(firstTime)} and ` : ""}a read unit on nearly every request for little. Only a replay after completion`,
      "gains: a duplicate that arrives while the first is still in its handler finds no record to",
      "peek at and sends its transaction as before.",
      "",
      `How: as the bill section. Units and requests over ${REPETITIONS} fresh keys per variant, each`,
      "sent twice (the first execution, then its replay after completion), on a client that counts",
      "requests and meters units: read units as DynamoDB Local reports them, write units computed",
      "from the items' sizes, a transaction the record's condition cancels billed as if it had",
      `committed (the bill's assumption). p50 over ${LATENCY_PLAN.sequentialRequests * LATENCY_PLAN.rounds} sequential in-process requests per variant and`,
      `case on clients without meters, in ${LATENCY_PLAN.rounds} rounds, the variants taking turns request by request;`,
      "“vs none” is against no idempotency's first execution in the same run (each round against",
      `the same round). Dollars: the bill's list prices and arithmetic, Lambda at ${lambda.memoryMb} MB billed`,
      "on the mean duration, each request rounded up to the ms. The peek is sent when the attempt begins and awaited only",
      "at the commit, so its `GetItem` overlaps the handler's own read of the account: what it can",
      "still add to a first execution is the client's work for one more request (signing, sending,",
      "parsing) on the same Node thread, and here DynamoDB Local's on the same cores.",
    ].join("\n");
  },
};

const usd = (dollars: number) => `$${dollars.toFixed(3)}`;
/** A mean of counts or units, to two decimals at most: `1`, `0.5`. */
const round = (value: number) => Number(value.toFixed(2));
const signed = (value: number) => `${value >= 0 ? "+" : "−"}${round(Math.abs(value))}`;
const signedMs = (value: number) => `${value >= 0 ? "+" : "−"}${ms(Math.abs(value))}`;
const signedUsd = (value: number) => `${value >= 0 ? "+" : "−"}${usd(Math.abs(value))}`;
const percent = (fraction: number) =>
  Number.isFinite(fraction) ? `${(fraction * 100).toFixed(0)} %` : "n/a";

/**
 * The share of replays above which peeking is cheaper: a share r of replays
 * saves r × saving and costs (1 − r) × cost.
 */
function breakEven(cost: number, saving: number): number {
  if (cost <= 0) return 0;
  return saving > 0 ? cost / (cost + saving) : Number.POSITIVE_INFINITY;
}

const operationOrder = ["PutItem", "GetItem", "Query", "TransactWriteItems", "UpdateItem"];

/** `**3**: 2 GetItem + 1 TransactWriteItems → 201 replay`, ranges where the samples differ. */
function describeRequests(samples: readonly UsageSample[]): string {
  const names = [...new Set(samples.flatMap((sample) => [...sample.operations.keys()]))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  const parts = names.map(
    (name) =>
      `${constantOrSpread(samples.map((sample) => sample.operations.get(name) ?? 0))} ${name}`,
  );
  const answers = [...new Set(samples.map((sample) => sample.answer))].sort().join(" / ");
  return `**${constantOrSpread(samples.map((sample) => sample.requests))}**: ${parts.join(" + ")} → ${answers}`;
}

function rank(operation: string): number {
  const index = operationOrder.indexOf(operation);
  return index === -1 ? operationOrder.length : index;
}
