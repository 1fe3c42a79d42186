import { newId } from "../../functions/domain/primitives";
import type { RequestUsage } from "./aws-bill";
import { type BenchDatabase, benchTableKeys } from "./bench-database";
import {
  benchHandlerOf,
  type DepositHandlerFactory,
  depositEvent,
  describeAnswer,
  invokeDepositForAnswer,
  openAccounts,
} from "./deposit-requests";
import type { Scenario } from "./latency-matrix";
import { type MeteredRead, ReadUnitMeter } from "./read-unit-meter";
import { type MeteredWrites, reportedUnitsOf, unitsOf, WriteUnitMeter } from "./write-unit-meter";

/** What one HTTP request used, as metered. */
export interface UsageSample {
  /** Requests sent, by operation. */
  readonly operations: ReadonlyMap<string, number>;
  readonly requests: number;
  /** As DynamoDB Local returned them. */
  readonly readUnits: number;
  /** From the items read, where the meter can tell. */
  readonly computedReadUnits: number | undefined;
  /** Computed from the items' sizes, refused writes included. */
  readonly writeUnits: number;
  readonly reportedWriteUnits: number;
  /** Of `writeUnits`: items of writes that a condition refused. */
  readonly refusedWriteUnits: number;
  /** Of those: items of a transaction that another item's condition cancelled. */
  readonly cancelledWriteUnits: number;
  /** `201`, `201 replay`: what was answered. */
  readonly answer: string;
}

/**
 * A deposit composition's first executions and replays, metered: `repetitions`
 * fresh keys, each sent twice (the first execution, then its replay after
 * completion), on a client that counts requests and meters read and write units.
 */
export async function meterDeposits(
  database: BenchDatabase,
  factory: DepositHandlerFactory,
  { repetitions, amount, label }: { repetitions: number; amount: number; label: string },
): Promise<Record<Scenario, UsageSample[]>> {
  const samples: Record<Scenario, UsageSample[]> = { first: [], replay: [] };
  const reader = database.client().dynamoDb;
  const client = database.client();
  const writes = new WriteUnitMeter(client.dynamoDb, reader, benchTableKeys);
  const reads = new ReadUnitMeter(client.dynamoDb);
  const handler = benchHandlerOf(factory, client.dynamoDb);
  const [target] = await openAccounts(client.dynamoDb, 1);
  if (!target) throw new Error("no account opened");
  const send = async (scenario: Scenario, key: string) => {
    client.reset();
    reads.reset();
    writes.reset();
    const answer = await invokeDepositForAnswer(handler, depositEvent(target, key, amount));
    if (answer.statusCode !== 201) {
      throw new Error(`${label}: a ${scenario} answered ${answer.statusCode}`);
    }
    samples[scenario].push(
      sampleOf(client.snapshot(), reads.snapshot(), writes.snapshot(), describeAnswer(answer)),
    );
  };
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const key = newId();
    await send("first", key);
    await send("replay", key);
  }
  return samples;
}

/**
 * The mean usage of some samples, billed at the mean of `latencies` each
 * rounded up to the ms (as Lambda bills), for `billPerMillion`.
 * @param cancelledBilled whether a transaction's items that another item's
 *   condition cancelled are billed (the bill's assumption) or not (its lower bound)
 */
export function usageOf(
  samples: readonly UsageSample[],
  latencies: readonly number[],
  cancelledBilled = true,
): RequestUsage {
  return {
    readUnits: mean(samples.map((sample) => sample.readUnits)),
    writeUnits: mean(
      samples.map(
        (sample) => sample.writeUnits - (cancelledBilled ? 0 : sample.cancelledWriteUnits),
      ),
    ),
    lambdaMs: mean(latencies.map(Math.ceil)),
  };
}

function sampleOf(
  operations: ReadonlyMap<string, number>,
  reads: readonly MeteredRead[],
  writes: MeteredWrites,
  answer: string,
): UsageSample {
  const computed = reads.flatMap((read) => (read.computed === undefined ? [] : [read.computed]));
  return {
    operations,
    requests: [...operations.values()].reduce((total, count) => total + count, 0),
    readUnits: reads.reduce((total, read) => total + read.reported, 0),
    computedReadUnits:
      computed.length === reads.length
        ? computed.reduce((total, units) => total + units, 0)
        : undefined,
    writeUnits: unitsOf(writes),
    reportedWriteUnits: reportedUnitsOf(writes),
    refusedWriteUnits: unitsOf(writes, (write) => write.outcome !== "written"),
    cancelledWriteUnits: unitsOf(writes, (write) => write.outcome === "cancelled"),
    answer,
  };
}

export const mean = (values: readonly number[]) =>
  values.reduce((total, value) => total + value, 0) / values.length;
