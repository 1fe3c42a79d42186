import { newId } from "../../functions/domain/primitives";
import type { HttpResponse } from "../../functions/idempotency";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { deferred } from "../../test/support/lambda-fixtures";
import { type Variant, variantLabels, variants } from "../deposit/variants";
import type { BenchDatabase } from "../support/bench-database";
import type { CountingDynamoDbClient } from "../support/counting-client";
import {
  balanceOf,
  benchDepositHandler,
  type DepositTarget,
  depositEvent,
  describeAnswer,
  invokeDepositForAnswer,
  openAccounts,
} from "../support/deposit-requests";
import { goalTable } from "../support/goals";
import { markdownTable } from "../support/markdown";
import { progress } from "../support/progress";
import type { BenchSection } from "./section";

/** Each case runs this many times, with fresh keys; the counts must not vary. */
const REPETITIONS = 5;
const AMOUNT = 100;

const cases = [
  { id: "first", label: "(a) first execution" },
  { id: "replay", label: "(b) replay (same key, same body, after completion)" },
  { id: "in-flight", label: "(c) duplicate while the first is in its handler" },
  { id: "reused", label: "(d) key reused with another body" },
] as const;
type CaseId = (typeof cases)[number]["id"];

interface Measurement {
  /** Requests by operation, for one HTTP request. */
  readonly operations: ReadonlyMap<string, number>;
  readonly answer: string;
}

/** A case over its repetitions: each operation's fewest and most requests. */
interface CaseResult {
  readonly ranges: ReadonlyMap<string, readonly [number, number]>;
  readonly answers: readonly string[];
}

/** Case (c) seen whole: both requests of the pair, and what the pair did to the balance. */
interface InFlightPair {
  readonly duplicate: string;
  readonly first: string;
  readonly handlerRuns: number;
  /** Deposits that landed, from the balance: the goal is 1. */
  readonly landed: number;
}

interface VariantResult {
  readonly cases: ReadonlyMap<CaseId, CaseResult>;
  readonly pairs: readonly InFlightPair[];
}

/**
 * Section 1: the DynamoDB requests one HTTP request costs, counted by an SDK
 * middleware on the handler's own client.
 */
export const requestsPerRequest: BenchSection = {
  title: "DynamoDB requests per HTTP request (deposit route)",
  async run(database) {
    const results = new Map<Variant, VariantResult>();
    for (const variant of variants) {
      progress(`requests per request: ${variantLabels[variant]}`);
      results.set(variant, await measureVariant(database, variant));
    }
    const caseOf = (variant: Variant, id: CaseId) => results.get(variant)?.cases.get(id);
    const rows = cases.map(({ id, label }) => [
      label,
      ...variants.map((variant) => describeCase(caseOf(variant, id))),
    ]);
    const pairRows = variants.map((variant) => {
      const pairs = results.get(variant)?.pairs ?? [];
      return [
        variantLabels[variant],
        `${pairs.filter((pair) => pair.duplicate.startsWith("409")).length} of ${pairs.length}`,
        pairs.map((pair) => pair.landed).join(", "),
        pairs.map((pair) => pair.handlerRuns).join(", "),
        distinct(pairs.map((pair) => pair.duplicate)),
        distinct(pairs.map((pair) => pair.first)),
      ];
    });
    return [
      markdownTable(["case", ...variants.map((variant) => variantLabels[variant])], rows),
      "",
      "Each cell: DynamoDB requests the handler sent for one HTTP request, by operation, and what",
      "it answered: the status, “replay” when marked as a stored answer sent again (Powertools sends",
      `its replays unmarked), the problem type of an error. Each case run ${REPETITIONS} times with fresh`,
      "keys; the counts did not vary unless a range is shown. Without idempotency every retry is a",
      "new deposit: the money moves again.",
      "",
      "Case (c) whole: the first request is held at the start of its handler (before its read) until",
      "the duplicate has answered; then it goes on. Per pair:",
      "",
      markdownTable(
        [
          "variant",
          "duplicates answered 409",
          "deposits landed per pair",
          "handler runs per pair",
          "the duplicate's answers",
          "the first request's answers",
        ],
        pairRows,
      ),
      "",
      "Goals for the commit strategy:",
      "",
      goalTable(commitGoals(results)),
      "",
      "Under the commit strategy nothing is written before the handler: a duplicate in flight runs",
      "the handler too, and the first transaction to commit the record wins; the other's",
      "transaction is cancelled by the record's condition (no money moves) and it answers the",
      "winner's answer as a replay. Under the lease strategy the duplicate loses the claim (one",
      "PutItem) and answers 409 with Retry-After. Powertools throws on (c) and (d); the bench's",
      "adapter answers them 409 and 422 as the contract says (unmapped they are 500s:",
      "aws-powertools/powertools-lambda-typescript#3425). Its Middy `onError` hook then deletes the",
      "record the refused request never acquired: the in-flight request's lease in (c), the",
      "completed answer in (d) (#5675, fixed upstream by #5676 after 2.35.0, the newest release).",
      "The duplicate-safety section shows what that costs.",
    ].join("\n");
  },
};

function commitGoals(results: ReadonlyMap<Variant, VariantResult>) {
  const total = (variant: Variant, id: CaseId) =>
    totalRange(results.get(variant)?.cases.get(id) ?? { ranges: new Map(), answers: [] });
  const [noneLow, noneHigh] = total("none", "first");
  const [firstLow, firstHigh] = total("commit", "first");
  const [, replayHigh] = total("commit", "replay");
  const pairs = results.get("commit")?.pairs ?? [];
  const conflicts = pairs.filter((pair) => pair.duplicate.startsWith("409")).length;
  const landed = pairs.map((pair) => pair.landed);
  return [
    {
      goal: "(a) first execution: as many requests as without idempotency",
      measured: `${span(firstLow, firstHigh)} vs ${span(noneLow, noneHigh)}`,
      met: firstLow === firstHigh && noneLow === noneHigh && firstLow === noneLow,
    },
    {
      goal: "(b) replay: ≤ 2 requests",
      measured: `at most ${replayHigh}`,
      met: replayHigh <= 2,
    },
    {
      goal: "(c) duplicate in flight: 1 deposit lands, 0 × 409",
      measured: `deposits per pair: ${landed.join(", ")}; 409: ${conflicts} of ${pairs.length}`,
      met: landed.every((count) => count === 1) && conflicts === 0,
    },
  ];
}

async function measureVariant(database: BenchDatabase, variant: Variant): Promise<VariantResult> {
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
  const pairs: InFlightPair[] = [];
  // Warm the client's connections and the middlewares' first-use paths.
  await send(handler, target, newId(), 1);

  for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
    const key = newId();
    record("first", await counted(client, () => send(handler, target, key, AMOUNT)));
    record("replay", await counted(client, () => send(handler, target, key, AMOUNT)));
    record("reused", await counted(client, () => send(handler, target, key, AMOUNT * 9)));

    // The first request waits inside the handler until the duplicate has answered.
    const before = await balanceOf(client.dynamoDb, target);
    executions = 0;
    const gate = deferred();
    holdFirst = gate.promise;
    const inFlightKey = newId();
    const first = send(handler, target, inFlightKey, AMOUNT);
    while (executions === 0) await new Promise((resolve) => setImmediate(resolve));
    const duplicate = await counted(client, () => send(handler, target, inFlightKey, AMOUNT));
    record("in-flight", duplicate);
    gate.resolve();
    const firstAnswer = describeAnswer(await first);
    holdFirst = Promise.resolve();
    pairs.push({
      duplicate: duplicate.answer,
      first: firstAnswer,
      handlerRuns: executions,
      landed: ((await balanceOf(client.dynamoDb, target)) - before) / AMOUNT,
    });
  }
  return {
    cases: new Map(cases.map(({ id }) => [id, combine(samples.get(id) ?? [])])),
    pairs,
  };
}

function send(
  handler: LambdaHttpHandler,
  target: DepositTarget,
  key: string,
  amount: number,
): Promise<HttpResponse> {
  return invokeDepositForAnswer(handler, depositEvent(target, key, amount));
}

async function counted(
  client: CountingDynamoDbClient,
  request: () => Promise<HttpResponse>,
): Promise<Measurement> {
  client.reset();
  const answer = describeAnswer(await request());
  return { operations: client.snapshot(), answer };
}

function combine(measurements: readonly Measurement[]): CaseResult {
  const ranges = new Map<string, readonly [number, number]>();
  const names = new Set(measurements.flatMap((measurement) => [...measurement.operations.keys()]));
  for (const name of names) {
    const counts = measurements.map((measurement) => measurement.operations.get(name) ?? 0);
    ranges.set(name, [Math.min(...counts), Math.max(...counts)]);
  }
  return { ranges, answers: measurements.map((measurement) => measurement.answer) };
}

/** Fewest and most requests in all, over the repetitions. */
function totalRange(result: CaseResult): readonly [number, number] {
  let fewest = 0;
  let most = 0;
  for (const [low, high] of result.ranges.values()) {
    fewest += low;
    most += high;
  }
  return [fewest, most];
}

const operationOrder = [
  "PutItem",
  "GetItem",
  "Query",
  "TransactWriteItems",
  "UpdateItem",
  "DeleteItem",
];

const span = (low: number, high: number) => (low === high ? `${low}` : `${low}–${high}`);

const distinct = (values: readonly string[]) => [...new Set(values)].sort().join(" / ");

/** `**3**: 1 PutItem + 1 GetItem + 1 TransactWriteItems → 201` */
function describeCase(result: CaseResult | undefined): string {
  if (!result) return "n/a";
  const names = [...result.ranges.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const parts = names.map((name) => {
    const [low, high] = result.ranges.get(name) ?? [0, 0];
    return `${span(low, high)} ${name}`;
  });
  const [fewest, most] = totalRange(result);
  return `**${span(fewest, most)}**: ${parts.join(" + ") || "none"} → ${distinct(result.answers)}`;
}

function rank(operation: string): number {
  const index = operationOrder.indexOf(operation);
  return index === -1 ? operationOrder.length : index;
}
