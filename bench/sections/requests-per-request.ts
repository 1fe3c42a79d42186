import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { newId } from "../../functions/shared/ids";
import { deferred } from "../../test/support/lambda-fixtures";
import { type Variant, variantLabels, variants } from "../deposit/variants";
import type { BenchDatabase } from "../support/bench-database";
import type { CountingDynamoDbClient } from "../support/counting-client";
import {
  benchDepositHandler,
  type DepositTarget,
  depositEvent,
  invokeDeposit,
  openAccounts,
} from "../support/deposit-requests";
import { markdownTable } from "../support/markdown";
import { progress } from "../support/progress";
import type { BenchSection } from "./section";

/** Each case runs this many times, with fresh keys; the counts must not vary. */
const REPETITIONS = 5;

const cases = [
  { id: "first", label: "(a) first execution" },
  { id: "replay", label: "(b) replay (same key, same body, after completion)" },
  { id: "in-flight", label: "(c) duplicate while the first is in flight" },
  { id: "reused", label: "(d) key reused with another body" },
] as const;
type CaseId = (typeof cases)[number]["id"];

interface Measurement {
  /** Requests by operation, for one HTTP request. */
  readonly operations: ReadonlyMap<string, number>;
  readonly status: number;
}

/** A case over its repetitions: each operation's fewest and most requests. */
interface CaseResult {
  readonly ranges: ReadonlyMap<string, readonly [number, number]>;
  readonly statuses: readonly number[];
}

/**
 * Section 1: the DynamoDB requests one HTTP request costs, counted by an SDK
 * middleware on the handler's own client.
 */
export const requestsPerRequest: BenchSection = {
  title: "DynamoDB requests per HTTP request (deposit route)",
  async run(database) {
    const results = new Map<Variant, Map<CaseId, CaseResult>>();
    for (const variant of variants) {
      progress(`requests per request: ${variantLabels[variant]}`);
      results.set(variant, await measureVariant(database, variant));
    }
    const rows = cases.map(({ id, label }) => [
      label,
      ...variants.map((variant) => describeCase(results.get(variant)?.get(id))),
    ]);
    return [
      markdownTable(["case", ...variants.map((variant) => variantLabels[variant])], rows),
      "",
      "Each cell: DynamoDB requests the handler sent for one HTTP request, by operation, and the",
      `status it answered (each case run ${REPETITIONS} times with fresh keys; the counts did not vary`,
      "unless a range is shown). Without idempotency every retry is a new deposit: the money moves again.",
      "",
      "Powertools throws on (c) and (d); the bench's adapter answers them 409 and 422 as the contract",
      "says (unmapped they are 500s: aws-powertools/powertools-lambda-typescript#3425). Its Middy",
      "`onError` hook then deletes the record the refused request never acquired: the in-flight",
      "request's lease in (c), the completed answer in (d) (#5675, fixed upstream by #5676 after",
      "2.35.0, the newest release). Section 4 shows what that costs.",
    ].join("\n");
  },
};

async function measureVariant(
  database: BenchDatabase,
  variant: Variant,
): Promise<Map<CaseId, CaseResult>> {
  const client = database.client();
  let executions = 0;
  let holdFirst: Promise<void> = Promise.resolve();
  const handler = benchDepositHandler(variant, client.dynamoDb, () => {
    executions += 1;
    return executions === 1 ? holdFirst : undefined;
  });
  const [target] = await openAccounts(client.dynamoDb, 1);
  if (!target) throw new Error("no account opened");

  const samples = new Map<CaseId, Measurement[]>(cases.map(({ id }) => [id, []]));
  const record = (id: CaseId, measurement: Measurement) => samples.get(id)?.push(measurement);
  // Warm the client's connections and the middlewares' first-use paths.
  await invokeDeposit(handler, depositEvent(target, newId(), 1));

  for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
    const key = newId();
    record("first", await counted(client, () => send(handler, target, key, 100)));
    record("replay", await counted(client, () => send(handler, target, key, 100)));
    record("reused", await counted(client, () => send(handler, target, key, 999)));

    // The first request waits inside the handler until the duplicate has answered.
    executions = 0;
    const gate = deferred();
    holdFirst = gate.promise;
    const inFlightKey = newId();
    const first = send(handler, target, inFlightKey, 100);
    while (executions === 0) await new Promise((resolve) => setImmediate(resolve));
    record("in-flight", await counted(client, () => send(handler, target, inFlightKey, 100)));
    gate.resolve();
    await first;
    holdFirst = Promise.resolve();
  }
  return new Map(cases.map(({ id }) => [id, combine(samples.get(id) ?? [])]));
}

function send(
  handler: LambdaHttpHandler,
  target: DepositTarget,
  key: string,
  amount: number,
): Promise<number> {
  return invokeDeposit(handler, depositEvent(target, key, amount));
}

async function counted(
  client: CountingDynamoDbClient,
  request: () => Promise<number>,
): Promise<Measurement> {
  client.reset();
  const status = await request();
  return { operations: client.snapshot(), status };
}

function combine(measurements: readonly Measurement[]): CaseResult {
  const ranges = new Map<string, readonly [number, number]>();
  const names = new Set(measurements.flatMap((measurement) => [...measurement.operations.keys()]));
  for (const name of names) {
    const counts = measurements.map((measurement) => measurement.operations.get(name) ?? 0);
    ranges.set(name, [Math.min(...counts), Math.max(...counts)]);
  }
  return { ranges, statuses: measurements.map((measurement) => measurement.status) };
}

const operationOrder = [
  "PutItem",
  "GetItem",
  "Query",
  "TransactWriteItems",
  "UpdateItem",
  "DeleteItem",
];

/** `**3**: 1 PutItem + 1 GetItem + 1 TransactWriteItems → 201` */
function describeCase(result: CaseResult | undefined): string {
  if (!result) return "n/a";
  const names = [...result.ranges.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const span = (low: number, high: number) => (low === high ? `${low}` : `${low}–${high}`);
  let fewest = 0;
  let most = 0;
  const parts = names.map((name) => {
    const [low, high] = result.ranges.get(name) ?? [0, 0];
    fewest += low;
    most += high;
    return `${span(low, high)} ${name}`;
  });
  const statuses = [...new Set(result.statuses)].sort().join("/");
  return `**${span(fewest, most)}**: ${parts.join(" + ") || "none"} → ${statuses}`;
}

function rank(operation: string): number {
  const index = operationOrder.indexOf(operation);
  return index === -1 ? operationOrder.length : index;
}
