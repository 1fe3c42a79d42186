import { newId } from "../../functions/domain/primitives";
import type { HttpResponse } from "../../functions/idempotency";
import { type Variant, variantLabels } from "../deposit/variants";
import type { CountingDynamoDbClient } from "../support/counting-client";
import {
  balanceOf,
  benchDepositHandler,
  type DepositTarget,
  depositEvent,
  describeAnswer,
  invokeDepositForAnswer,
  isReplay,
  openAccounts,
} from "../support/deposit-requests";
import { type GoalCheck, goalTable } from "../support/goals";
import { runForDuration, type StatusTally } from "../support/load";
import { markdownTable, ms, ratio, roundRatios, spread } from "../support/markdown";
import { progress } from "../support/progress";
import { ratiosPerRound, summarize } from "../support/statistics";
import type { BenchSection } from "./section";

const WRITERS = 64;
/**
 * New deposits start for this long per round; the deposits in flight then
 * finish. Three rounds: about 10 s of load per variant, or more when
 * deposits wait long.
 */
const ROUND_MS = 2_500;
const ROUNDS = 3;
const hotVariants = ["none", "commit", "lease"] as const satisfies readonly Variant[];
type HotVariant = (typeof hotVariants)[number];

/** One variant's depositors: each its own Lambda container (handler and client). */
interface HotAccount {
  readonly variant: HotVariant;
  readonly target: DepositTarget;
  readonly depositors: readonly {
    readonly client: CountingDynamoDbClient;
    send(key: string, amount: number): Promise<HttpResponse>;
  }[];
  readonly openingBalance: number;
  /** Sum of the amounts answered 201 (not replays): what the balance must have grown by. */
  committedAmount: number;
  /** Answers by status, 503s split by problem type. */
  readonly answers: Map<string, number>;
  readonly rounds: {
    readonly committed: number;
    readonly elapsedMs: number;
    readonly unavailable: number;
    readonly answered: number;
  }[];
  readonly latencies: number[];
}

/**
 * Section 5: many writers on ONE account, the case optimistic concurrency
 * finds hardest: every deposit reads the balance and commits it back under
 * a version condition, so concurrent deposits lose races and go round again
 * (functions/shared/optimistic-retry.ts) until the invocation's time runs out.
 */
export const hotAccount: BenchSection = {
  title: `Hot account: ${WRITERS} concurrent depositors on one account`,
  async run(database) {
    const accounts: HotAccount[] = [];
    for (const variant of hotVariants) {
      const setup = database.client().dynamoDb;
      const [target] = await openAccounts(setup, 1);
      if (!target) throw new Error("no account opened");
      const depositors = Array.from({ length: WRITERS }, () => {
        const client = database.client();
        const handler = benchDepositHandler(variant, client.dynamoDb);
        return {
          client,
          send: (key: string, amount: number) =>
            invokeDepositForAnswer(handler, depositEvent(target, key, amount)),
        };
      });
      accounts.push({
        variant,
        target,
        depositors,
        openingBalance: await balanceOf(setup, target),
        committedAmount: 0,
        answers: new Map(),
        rounds: [],
        latencies: [],
      });
    }

    for (let round = 0; round < ROUNDS; round += 1) {
      for (let turn = 0; turn < accounts.length; turn += 1) {
        const account = accounts[(turn + round) % accounts.length];
        if (!account) continue;
        progress(`hot account: round ${round + 1}/${ROUNDS}, ${variantLabels[account.variant]}`);
        await runRound(account);
      }
    }

    const summaries: HotSummary[] = [];
    for (const account of accounts) {
      const balance = await balanceOf(database.client().dynamoDb, account.target);
      summaries.push(summaryOf(account, balance - account.openingBalance));
    }
    const none = summaries.find((summary) => summary.variant === "none");
    const rows = summaries.map((summary) => [
      variantLabels[summary.variant],
      `${summary.perSecond.toFixed(1)}/s`,
      spread(summary.roundsPerSecond),
      `${summary.loadSeconds.toFixed(1)} s`,
      none ? ratio(summary.perSecond, none.perSecond) : "n/a",
      none ? roundRatios(ratiosPerRound(summary.roundsPerSecond, none.roundsPerSecond)) : "n/a",
      `${summary.unavailable} of ${summary.answered} (${percent(summary.unavailable, summary.answered)})`,
      summary.other,
      ms(summary.p50),
      ms(summary.p99),
      summary.requestsPerDeposit,
    ]);
    const checks: GoalCheck[] = summaries.flatMap((summary) => [
      {
        goal: `${variantLabels[summary.variant]}: no 503 at ${WRITERS} writers`,
        measured: `${summary.unavailable} × 503 service-unavailable; other non-201: ${summary.other}`,
        met: summary.unavailable === 0,
      },
      {
        goal: `${variantLabels[summary.variant]}: money exact (balance = sum of the 201 deposits)`,
        measured: `balance moved by ${summary.moved}; the 201 answers deposited ${summary.committedAmount}`,
        met: summary.moved === summary.committedAmount,
      },
    ]);
    return [
      markdownTable(
        [
          "variant",
          "deposits committed",
          "per round",
          "time under load",
          "vs none",
          "vs none, each round",
          "503 service-unavailable",
          "other non-201",
          "p50",
          "p99",
          "DynamoDB requests per deposit committed",
        ],
        rows,
      ),
      "",
      goalTable(checks),
      "",
      `${WRITERS} depositors on one account, each its own Lambda container (its own handler and`,
      "DynamoDB client, invoked in-process with a 10 s timeout) sending deposits one after the other,",
      `each with a fresh key. ${ROUNDS} rounds per variant, rotating the variants: new deposits start`,
      `for ${ROUND_MS / 1000} s, then the deposits in flight finish, and that time counts too (“time`,
      "under load”). “Deposits committed” are 201 answers per second. A lost race reads and commits",
      "again after a jittered backoff for as long as the invocation has more than 1 s left, then",
      "answers 503 service-unavailable with Retry-After. The money check reads the balance at the end",
      "and compares it with the amounts the 201 answers confirmed (deposit amounts differ by writer).",
      "Latency is per answer, whatever its status. With W writers and C commits per second on one",
      "account, a deposit waits about W ÷ C seconds: the 503 share follows from how fast DynamoDB",
      "Local commits on this (shared, 2-core) machine against the 9 s a deposit may take.",
    ].join("\n");
  },
};

const UNAVAILABLE = "503 service-unavailable";

async function runRound(account: HotAccount): Promise<void> {
  let committed = 0;
  let unavailable = 0;
  const result = await runForDuration(ROUND_MS, WRITERS, async (writer) => {
    const depositor = account.depositors[writer];
    if (!depositor) throw new Error(`no depositor ${writer}`);
    const amount = writer + 1;
    const answer = await depositor.send(newId(), amount);
    const described = describeAnswer(answer);
    account.answers.set(described, (account.answers.get(described) ?? 0) + 1);
    if (answer.statusCode === 201 && !isReplay(answer)) {
      committed += 1;
      account.committedAmount += amount;
    }
    if (described === UNAVAILABLE) unavailable += 1;
    return answer.statusCode;
  });
  account.latencies.push(...result.latencies);
  account.rounds.push({
    committed,
    elapsedMs: result.elapsedMs,
    unavailable,
    answered: totalOf(result.statuses),
  });
}

function totalOf(statuses: StatusTally): number {
  return [...statuses.values()].reduce((sum, count) => sum + count, 0);
}

interface HotSummary {
  readonly variant: HotVariant;
  /** 201 answers per second, over all rounds. */
  readonly perSecond: number;
  readonly roundsPerSecond: readonly number[];
  /** Over all rounds, the waits for deposits in flight included. */
  readonly loadSeconds: number;
  readonly answered: number;
  readonly unavailable: number;
  /** Answers neither 201 nor 503 service-unavailable, described. */
  readonly other: string;
  readonly p50: number;
  readonly p99: number;
  /** By operation, per deposit committed: one TransactWriteItems each means no race was lost. */
  readonly requestsPerDeposit: string;
  readonly moved: number;
  readonly committedAmount: number;
}

function summaryOf(account: HotAccount, moved: number): HotSummary {
  const total = (field: "committed" | "elapsedMs" | "unavailable" | "answered") =>
    account.rounds.reduce((sum, round) => sum + round[field], 0);
  const other = [...account.answers.entries()].filter(
    ([answer]) => answer !== "201" && answer !== UNAVAILABLE,
  );
  const requests = new Map<string, number>();
  for (const { client } of account.depositors) {
    for (const [operation, count] of client.snapshot()) {
      requests.set(operation, (requests.get(operation) ?? 0) + count);
    }
  }
  const perDeposit = (count: number) => (count / Math.max(total("committed"), 1)).toFixed(2);
  const latency = summarize(account.latencies);
  return {
    variant: account.variant,
    perSecond: total("committed") / (total("elapsedMs") / 1000),
    roundsPerSecond: account.rounds.map((round) => round.committed / (round.elapsedMs / 1000)),
    loadSeconds: total("elapsedMs") / 1000,
    answered: total("answered"),
    unavailable: total("unavailable"),
    other:
      other.length === 0 ? "none" : other.map(([answer, count]) => `${answer}×${count}`).join(", "),
    p50: latency.p50,
    p99: latency.p99,
    requestsPerDeposit: [...requests.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([operation, count]) => `${perDeposit(count)} ${operation}`)
      .join(" + "),
    moved,
    committedAmount: account.committedAmount,
  };
}

const percent = (part: number, whole: number) =>
  `${((100 * part) / Math.max(whole, 1)).toFixed(1)} %`;
