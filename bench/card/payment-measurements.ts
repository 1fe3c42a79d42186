import { performance } from "node:perf_hooks";
import { newId } from "../../functions/domain/primitives";
import type { ProcessorEmulator } from "../../lib/local/processor-emulator/processor-emulator";
import { lambdaContext } from "../../test/support/lambda-fixtures";
import type { BenchDatabase } from "../support/bench-database";
import { benchTables } from "../support/bench-database";
import { type StatusTally, tally } from "../support/load";
import { progress } from "../support/progress";
import { summarize } from "../support/statistics";
import { cardPaymentEvent, openOrders } from "./card-orders";
import { type CardVariant, cardPaymentHandlers, cardVariantLabels } from "./card-variants";
import { CountingProcessor } from "./counting-processor";

export interface PaymentPlan {
  readonly rounds: number;
  readonly paymentsPerRound: number;
  readonly warmupPayments: number;
}

/** One variant's successful card payments, over every round. */
export interface PaymentMeasurement {
  readonly latencies: number[];
  /** The p50 of each round, in round order. */
  readonly roundP50s: number[];
  /** DynamoDB requests per payment, by operation: fewest and most. */
  readonly operations: Map<string, readonly [number, number]>;
  readonly processorCalls: number[];
  /** Charges the emulator created per payment (its payment intents of the order). */
  readonly charges: number[];
  readonly statuses: StatusTally;
}

/**
 * Pays a fresh pending order by card, with a fresh key, through each
 * variant's handler in turn (the order rotated by one after each payment and
 * each round, so that a noisy moment falls on every variant alike), and
 * counts what each payment cost.
 */
export async function measurePayments(
  database: BenchDatabase,
  emulator: ProcessorEmulator,
  variants: readonly CardVariant[],
  plan: PaymentPlan,
): Promise<Map<CardVariant, PaymentMeasurement>> {
  const payments = plan.warmupPayments + plan.rounds * plan.paymentsPerRound;
  const benches = [];
  for (const variant of variants) {
    const client = database.client();
    const counting = new CountingProcessor(emulator.url);
    const handler = cardPaymentHandlers[variant]({
      client: client.dynamoDb,
      tables: benchTables,
      processor: counting.processor,
    });
    const orders = await openOrders(client.dynamoDb, payments);
    const measured: PaymentMeasurement = {
      latencies: [],
      roundP50s: [],
      operations: new Map(),
      processorCalls: [],
      charges: [],
      statuses: new Map(),
    };
    let next = 0;
    const pay = async () => {
      const order = orders[next];
      next += 1;
      if (!order) throw new Error("no order left");
      client.reset();
      counting.calls = 0;
      const sentAt = performance.now();
      const answer = await handler(cardPaymentEvent(order, newId()), lambdaContext(10_000));
      const latency = performance.now() - sentAt;
      const charged = emulator
        .paymentIntents()
        .filter((intent) => intent.metadata.orderId === order.orderId).length;
      return { latency, answer, operations: client.snapshot(), calls: counting.calls, charged };
    };
    benches.push({ variant, pay, measured });
  }

  for (const { variant, pay } of benches) {
    progress(`card payments: warming up ${cardVariantLabels[variant]}`);
    for (let index = 0; index < plan.warmupPayments; index += 1) await pay();
  }
  for (let round = 0; round < plan.rounds; round += 1) {
    progress(`card payments: round ${round + 1}/${plan.rounds}`);
    const roundLatencies = new Map<CardVariant, number[]>(variants.map((each) => [each, []]));
    for (let payment = 0; payment < plan.paymentsPerRound; payment += 1) {
      for (let turn = 0; turn < benches.length; turn += 1) {
        const bench = benches[(turn + round + payment) % benches.length];
        if (!bench) continue;
        const result = await bench.pay();
        const { measured } = bench;
        measured.latencies.push(result.latency);
        roundLatencies.get(bench.variant)?.push(result.latency);
        measured.processorCalls.push(result.calls);
        measured.charges.push(result.charged);
        tally([result.answer.statusCode], measured.statuses);
        widen(measured.operations, result.operations);
      }
    }
    for (const { variant, measured } of benches) {
      measured.roundP50s.push(summarize(roundLatencies.get(variant) ?? []).p50);
    }
  }
  return new Map(benches.map(({ variant, measured }) => [variant, measured]));
}

/** Widens each operation's fewest–most range by one payment's counts (absent: 0). */
function widen(
  ranges: Map<string, readonly [number, number]>,
  counts: ReadonlyMap<string, number>,
): void {
  const first = ranges.size === 0;
  for (const name of new Set([...ranges.keys(), ...counts.keys()])) {
    const count = counts.get(name) ?? 0;
    const [low, high] = ranges.get(name) ?? [first ? count : 0, count];
    ranges.set(name, [Math.min(low, count), Math.max(high, count)]);
  }
}
