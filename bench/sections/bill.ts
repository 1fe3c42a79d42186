import { depositHandlers, type Variant, variantLabels, variants } from "../deposit/variants";
import {
  type Bill,
  billPerMillion,
  describePrice,
  listPrices,
  routeFunctionConfiguration,
} from "../support/aws-bill";
import type { BenchDatabase } from "../support/bench-database";
import { mean, meterDeposits, type UsageSample, usageOf } from "../support/deposit-usage";
import {
  inProcessDepositors,
  type LatencyPlan,
  type LatencyResults,
  runLatencyMatrix,
  type Scenario,
  scenarios,
} from "../support/latency-matrix";
import { constantOrSpread, markdownTable, ms, ratio } from "../support/markdown";
import { progress } from "../support/progress";
import { summarize } from "../support/statistics";
import type { BenchSection } from "./section";

/** Fresh keys per variant whose first execution and replay are metered. */
const REPETITIONS = 20;
const AMOUNT = 100;
/** Section 3's measurement, smaller: 200 sequential requests per variant and case. */
const LATENCY_PLAN: LatencyPlan = {
  name: "bill",
  sequentialRequests: 50,
  concurrency: 1,
  concurrentRequests: 0,
  rounds: 4,
  warmupRequests: 40,
};

interface Measured {
  readonly samples: ReadonlyMap<string, readonly UsageSample[]>;
  readonly latency: LatencyResults;
}

const cellId = (scenario: Scenario, variant: Variant) => `${scenario}/${variant}`;

/**
 * The bill: what the deposit route costs on AWS, per million first
 * executions and per million replays, from the DynamoDB units, requests and
 * Lambda durations measured in this run, at list prices.
 */
export const bill: BenchSection = {
  title: "The bill: dollars per million requests (deposit route)",
  async run(database) {
    const lambda = routeFunctionConfiguration();
    const measured: Measured = {
      samples: await meterUnits(database),
      // Clients without meters: a meter's own reads would lengthen every write.
      latency: await runLatencyMatrix(
        LATENCY_PLAN,
        await inProcessDepositors(database, LATENCY_PLAN.concurrency),
      ),
    };
    const samplesOf = (scenario: Scenario, variant: Variant) =>
      measured.samples.get(cellId(scenario, variant)) ?? [];
    const latenciesOf = (scenario: Scenario, variant: Variant) =>
      measured.latency.cell("sequential", scenario, variant).latencies;
    const billOf = (scenario: Scenario, variant: Variant, cancelledBilled = true): Bill =>
      billPerMillion(
        usageOf(samplesOf(scenario, variant), latenciesOf(scenario, variant), cancelledBilled),
        lambda.memoryMb,
      );
    const baseline = billOf("first", "none");
    const lambdaOnly = (lambdaMs: number) =>
      billPerMillion({ readUnits: 0, writeUnits: 0, lambdaMs }, lambda.memoryMb).lambda;

    const billRows = scenarios.flatMap(({ id: scenario, label }) =>
      variants.map((variant) => {
        const { apiGateway, lambda: functions, dynamoDb, total } = billOf(scenario, variant);
        const again = scenario === "replay" && variant === "none";
        return [
          label,
          `${variantLabels[variant]}${again ? " (deposits again)" : ""}`,
          usd(apiGateway),
          usd(functions),
          usd(dynamoDb),
          `**${usd(total)}**`,
          ratio(total, baseline.total),
          variant === "none" ? "—" : share(total - baseline.total, total),
        ];
      }),
    );
    const usageRows = scenarios.flatMap(({ id: scenario, label }) =>
      variants.map((variant) => {
        const samples = samplesOf(scenario, variant);
        const of = (pick: (sample: UsageSample) => number) => constantOrSpread(samples.map(pick));
        const computedReads = samples.map((sample) => sample.computedReadUnits ?? Number.NaN);
        const latencies = latenciesOf(scenario, variant);
        const p50 = summarize(latencies).p50;
        return [
          label,
          variantLabels[variant],
          of((sample) => sample.requests),
          `${of((sample) => sample.readUnits)} (${constantOrSpread(computedReads)})`,
          `${of((sample) => sample.writeUnits)} (${of((sample) => sample.reportedWriteUnits)})`,
          of((sample) => sample.refusedWriteUnits),
          ms(p50),
          ms(mean(latencies.map(Math.ceil))),
        ];
      }),
    );
    const priceRows = Object.values(listPrices).map((price) => [
      describePrice(price),
      "note" in price ? price.note : "",
      price.source,
    ]);
    const sensitivity = variants.flatMap((variant) => {
      const cancelled = mean(samplesOf("replay", variant).map((s) => s.cancelledWriteUnits));
      if (cancelled === 0) return [];
      const [lower, billed] = [billOf("replay", variant, false), billOf("replay", variant)];
      return [
        `a replay under ${variantLabels[variant]}, ${usd(lower.total)} instead of ${usd(billed.total)}`,
      ];
    });

    return [
      "Dollars per million HTTP requests, us-east-1 list prices (below), free tier ignored:",
      "",
      markdownTable(
        [
          "case",
          "variant",
          "API Gateway",
          "Lambda",
          "DynamoDB",
          "total",
          "total vs none",
          "idempotency's share (vs none's first execution)",
        ],
        billRows,
      ),
      "",
      "“vs none”: against no idempotency's first execution, as in section 3: without idempotency",
      "a retry is another deposit. The share is the difference, and its part of the variant's total.",
      "",
      "What each request used, measured in this run:",
      "",
      markdownTable(
        [
          "case",
          "variant",
          "DynamoDB requests",
          "read units (computed)",
          "write units (DynamoDB Local's report)",
          "of which refused or cancelled by a condition",
          "Lambda p50",
          "Lambda mean, billed (priced)",
        ],
        usageRows,
      ),
      "",
      `How: ${REPETITIONS} fresh keys per variant, each sent twice (the first execution, then its`,
      "replay after completion), on a client that counts requests (as section 1) and meters units.",
      "**Read units are returned**, as DynamoDB Local reports them (`ReturnConsumedCapacity:",
      "TOTAL`); in parentheses, computed from the items read (1 per started 4 KB if strongly",
      "consistent, half if not, twice in a transaction). **Write units are computed** from",
      "the items' sizes as in section 2 (1 per started KB, 2 in a transaction): DynamoDB Local",
      "under-reports `TransactWriteItems` (in parentheses) and returns nothing for a refused write,",
      "which DynamoDB bills all the same: a conditional write that fails consumes the item's units,",
      "and a transaction its condition cancels is billed here as if it had committed, 2 per item",
      "(an **assumption**: the developer guide says each item of a transaction is written twice,",
      "to prepare and to commit, not what a cancelled one costs). If only the item whose condition",
      `failed were billed: ${sensitivity.join("; ") || "no replay here has a cancelled transaction"}`,
      "per million.",
      "",
      `Lambda: the mean billed duration of ${LATENCY_PLAN.sequentialRequests * LATENCY_PLAN.rounds} sequential in-process requests per variant and case`,
      "(section 3's measurement, smaller, on clients without meters; sequential because an instance",
      "serves one request at a time), each rounded up to the ms as Lambda bills: what a month's bill",
      `sums, slow requests included (the p50 is shown beside it), at the route functions' ${lambda.memoryMb} MB`,
      `on ${lambda.architecture} (read from \`${lambda.file}\`), plus the request charge. These durations are`,
      "this machine's against DynamoDB Local: on AWS each DynamoDB round trip takes longer, and the",
      `duration charge grows with it: 10 ms more cost ${usd(lambdaOnly(10) - lambdaOnly(0))} per million.`,
      "API Gateway: one REST API request per HTTP request, in every variant.",
      "",
      "Not counted: the free tier, cold starts, X-Ray traces, CloudWatch logs and metrics, data",
      "transfer, the idempotency records' storage until their TTL, a Lambda authorizer (the default",
      "Cognito authorizer has no per-request charge), and the outbox: each deposit that moves money",
      "also triggers the stream's publisher and an EventBridge event.",
      "",
      "Prices (checked 2026-12-06; constants in `bench/support/aws-bill.ts`):",
      "",
      markdownTable(["price", "applies to", "source"], priceRows),
    ].join("\n");
  },
};

/** Each variant's first executions and replays, metered: requests, read and write units. */
async function meterUnits(database: BenchDatabase): Promise<Map<string, UsageSample[]>> {
  const samples = new Map<string, UsageSample[]>();
  for (const variant of variants) {
    progress(`bill: units of ${variantLabels[variant]}`);
    const metered = await meterDeposits(database, depositHandlers[variant], {
      repetitions: REPETITIONS,
      amount: AMOUNT,
      label: variant,
    });
    for (const { id: scenario } of scenarios) {
      samples.set(cellId(scenario, variant), metered[scenario]);
    }
  }
  return samples;
}

const usd = (dollars: number) => `$${dollars.toFixed(3)}`;

/** `+$1.250 (12 %)`, or what replaying saves against depositing again: `−$4.492`. */
function share(difference: number, total: number): string {
  if (difference < 0) return `−${usd(-difference)}`;
  return `+${usd(difference)} (${Math.round((difference / total) * 100)} %)`;
}
