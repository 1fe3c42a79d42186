import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { DynamoDbProxy } from "../../test/support/dynamodb-proxy";
import type { ApiCaller } from "../../test/support/http-api";
import type { Armed } from "../../test/support/transaction-conflicts";
import {
  type ApiOverHttp,
  count,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  describeTally,
  startApiOverHttp,
  startBenchDynamoDbProxy,
  type TimedAnswer,
  timedAnswer,
} from "../support/api-over-http";
import { benchTables } from "../support/bench-database";
import { type GoalCheck, goalTable } from "../support/goals";
import { recordHeadline } from "../support/headlines";
import { runForDuration } from "../support/load";
import { markdownTable, ms, ratio, roundRatios, spread } from "../support/markdown";
import { progress } from "../support/progress";
import { ratiosPerRound, summarize } from "../support/statistics";
import type { BenchSection } from "./section";

const WRITERS = 64;
/** Seconds of load per case (spread, hot) under the AWS rule, split into ROUNDS rounds. */
const LOAD_SECONDS = 8;
const ROUNDS = 3;
const ROUND_MS = (LOAD_SECONDS * 1000) / ROUNDS;
/** Under DynamoDB Local's own rule, for comparison only: one round each. */
const COMPARISON_ROUNDS = 1;
/** Unmeasured deposits first: the server process starts cold (module loading, JIT). */
const WARMUP_MS = 2_000;
/**
 * Unmeasured deposits of the same case before each round: the rounds
 * rotate through the cases, and a round measures the steady state of its
 * case, not the first second after another case's round (on the folded
 * path, the burst on an account not yet hot: see docs/contention.md).
 */
const ROUND_WARMUP_MS = 500;
/**
 * How long the proxy holds a transaction's items before sending it on, on
 * top of DynamoDB Local's own time. 0: the conflict window is Local's
 * commit time on this machine (milliseconds under load), not calibrated
 * against a TransactWriteItems on AWS: the figures scale with it.
 */
const HOLD_MS = 0;
const TRANSFERS_EACH_WAY = 30;
const OPENING_BALANCE = 1_000;
const SHORT_FUNCTION_TIMEOUT_SECONDS = 3;
/** A client gives up after this many passes of retries (each after Retry-After). */
const MAX_RETRY_PASSES = 10;

/**
 * A way of writing a deposit and a transfer, as the server runs it: the
 * design before folding (every movement a transaction on its accounts,
 * retried on a lost race) and the one that folds contended movements
 * (functions/movements), measured side by side in the same run.
 */
interface WritePath {
  readonly label: string;
  readonly environment: Readonly<Record<string, string>>;
}
const writePaths: readonly WritePath[] = [
  { label: "direct only (before)", environment: { MOVEMENT_FOLDING: "off" } },
  { label: "folded when hot", environment: { MOVEMENT_FOLDING: "on" } },
];
/** Every process of the section: on AWS the outbox publisher runs in a function of its own. */
const WITHOUT_PUBLISHER = { OUTBOX_PUBLISHER: "off" } as const;

type ConflictRule = "aws" | "local";
const ruleLabels: Readonly<Record<ConflictRule, string>> = {
  aws: "AWS (TransactionConflict)",
  local: "DynamoDB Local (serialized)",
};

type Spread = "spread" | "hot";
const spreadLabels: Readonly<Record<Spread, string>> = {
  spread: `${WRITERS} accounts, one each`,
  hot: "one account",
};

/** Every data-table item: a deposit's GetItem and TransactWriteItems name its account there. */
const DATA_ITEMS = { table: benchTables.data, key: {} };

interface RequestCounts {
  /** TransactWriteItems that reached the proxy, cancelled ones included. */
  readonly transactions: number;
  /** Of those, cancelled by the emulated rule (TransactionConflict). */
  readonly cancelled: number;
  readonly reads: number;
}

interface DepositRound extends RequestCounts {
  readonly committed: number;
  readonly elapsedMs: number;
}

/** One write path's writers, spread or on one account, under one rule. */
interface DepositCase {
  readonly path: WritePath;
  readonly rule: ConflictRule;
  readonly spread: Spread;
  readonly caller: ApiCaller;
  /** Writer `w` deposits into `accounts[w % accounts.length]`. */
  readonly accounts: readonly string[];
  /** Sum of the amounts answered 201 (not replays), by account: what its balance grew by. */
  readonly committedAmounts: Map<string, number>;
  readonly answers: Map<string, number>;
  readonly rounds: DepositRound[];
  readonly latencies: number[];
}

interface Servers {
  readonly path: WritePath;
  readonly standard: ApiOverHttp;
  readonly short: ApiOverHttp;
}

/**
 * Contention as AWS would show it, over HTTP: the API runs as `npm start`
 * serves it, and its DynamoDB traffic goes through the tests' proxy, which
 * cancels a transaction that meets another in flight on the same item
 * (DynamoDB's rule; DynamoDB Local serializes them instead). Issue 17's
 * baseline: today's design against the issue's goals.
 */
export const hotAccountHttp: BenchSection = {
  title: `Hot account and crossing transfers over HTTP, under DynamoDB's TransactionConflict rule: direct writes against folding`,
  async run(database) {
    const proxy = await startBenchDynamoDbProxy(database);
    const servers: Servers[] = [];
    try {
      for (const path of writePaths) {
        progress(`hot account over HTTP: starting the API twice (${path.label})`);
        const [standard, short] = await Promise.allSettled([
          startApiOverHttp(proxy.url, DEFAULT_FUNCTION_TIMEOUT_SECONDS, {
            ...WITHOUT_PUBLISHER,
            ...path.environment,
          }),
          startApiOverHttp(proxy.url, SHORT_FUNCTION_TIMEOUT_SECONDS, {
            ...WITHOUT_PUBLISHER,
            ...path.environment,
          }),
        ]);
        if (standard.status === "rejected" || short.status === "rejected") {
          // Neither process may outlive the bench: stop the one that did start.
          for (const started of [standard, short]) {
            if (started.status === "fulfilled") await started.value.close();
          }
          const failed = [standard, short].find((each) => each.status === "rejected");
          throw failed?.reason;
        }
        servers.push({ path, standard: standard.value, short: short.value });
      }
      const aws = await hotAccountPhase(servers, proxy, "aws", ROUNDS);
      const local = await hotAccountPhase(servers, proxy, "local", COMPARISON_ROUNDS);
      const crossing: CrossingResult[] = [];
      for (const { path, standard, short } of servers) {
        for (const api of [standard, short]) {
          progress(`crossing transfers: ${path.label}, ${api.functionTimeoutSeconds} s timeout`);
          crossing.push(await crossingTransfers(path, api, proxy));
        }
      }
      return report(aws, local, crossing);
    } finally {
      for (const { standard, short } of servers)
        await Promise.all([standard.close(), short.close()]);
      await proxy.close();
    }
  },
};

async function hotAccountPhase(
  servers: readonly Servers[],
  proxy: DynamoDbProxy,
  rule: ConflictRule,
  rounds: number,
): Promise<CaseSummary[]> {
  const cases: DepositCase[] = [];
  for (const { path, standard } of servers) {
    const caller = standard.caller();
    const accounts = await Promise.all(
      Array.from({ length: WRITERS + 1 }, () => caller.openAccount("EUR")),
    );
    const [hot, ...each] = accounts as [string, ...string[]];
    for (const [spreadOver, targets] of [
      ["spread", each],
      ["hot", [hot]],
    ] as const) {
      cases.push({
        path,
        rule,
        spread: spreadOver,
        caller,
        accounts: targets,
        committedAmounts: new Map(),
        answers: new Map(),
        rounds: [],
        latencies: [],
      });
    }
  }
  if (rule === "aws") {
    for (const each of cases.filter((candidate) => candidate.spread === "spread")) {
      progress(`hot account over HTTP: warming up ${each.path.label}`);
      await deposits(each, WARMUP_MS, false);
    }
  }
  const emulation =
    rule === "aws" ? proxy.emulateTransactionConflicts({ holdMs: HOLD_MS }) : undefined;
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (let turn = 0; turn < cases.length; turn += 1) {
        // Rotated each round, so that neither case always runs first.
        const each = cases[(turn + round) % cases.length];
        if (!each) continue;
        progress(
          `hot account over HTTP, ${ruleLabels[rule]}: round ${round + 1}/${rounds}, ${each.spread}`,
        );
        await deposits(each, ROUND_WARMUP_MS, false);
        const before = requestCounts(proxy, emulation);
        const { committed, elapsedMs } = await deposits(each, ROUND_MS, true);
        const after = requestCounts(proxy, emulation);
        each.rounds.push({
          committed,
          elapsedMs,
          transactions: after.transactions - before.transactions,
          cancelled: after.cancelled - before.cancelled,
          reads: after.reads - before.reads,
        });
      }
    }
  } finally {
    emulation?.disarm();
  }
  const summaries: CaseSummary[] = [];
  for (const each of cases) summaries.push(summaryOf(each, await moneyOf(each)));
  return summaries;
}

function requestCounts(proxy: DynamoDbProxy, emulation: Armed | undefined): RequestCounts {
  return {
    transactions: proxy.attempts("TransactWriteItems", DATA_ITEMS),
    cancelled: emulation?.refused() ?? 0,
    // A waiter's poll is a BatchGetItem and a fold reads its queue with a Query:
    // the proxy locates no item of either, and only the data table gets them.
    reads:
      proxy.attempts("GetItem", DATA_ITEMS) +
      proxy.attempts("BatchGetItem") +
      proxy.attempts("Query"),
  };
}

/**
 * `WRITERS` writers in a closed loop for `durationMs`, each deposit under a
 * fresh key; the deposits in flight then finish, and that time counts.
 * The warm-up's deposits count for the money, not for the rounds.
 */
async function deposits(
  each: DepositCase,
  durationMs: number,
  measured: boolean,
): Promise<{ committed: number; elapsedMs: number }> {
  let committed = 0;
  const result = await runForDuration(durationMs, WRITERS, async (writer) => {
    const accountId = each.accounts[writer % each.accounts.length] ?? "";
    const amount = writer + 1;
    const answer = await timedAnswer(() =>
      each.caller.post(`/accounts/${accountId}/deposits`, { amount }),
    );
    if (answer.described === "201") {
      committed += 1;
      each.committedAmounts.set(accountId, (each.committedAmounts.get(accountId) ?? 0) + amount);
    }
    if (measured) count(each.answers, answer.described);
    return answer.status;
  });
  if (measured) each.latencies.push(...result.latencies);
  return { committed, elapsedMs: result.elapsedMs };
}

interface Money {
  readonly exact: boolean;
  readonly measured: string;
}

/** Every account's balance (opened at 0) against the amounts its 201 answers confirmed. */
async function moneyOf(each: DepositCase): Promise<Money> {
  const balances = await Promise.all(
    each.accounts.map((accountId) => each.caller.balanceOf(accountId)),
  );
  let moved = 0;
  let confirmed = 0;
  let wrong = 0;
  each.accounts.forEach((accountId, index) => {
    const expected = each.committedAmounts.get(accountId) ?? 0;
    const balance = balances[index] ?? Number.NaN;
    moved += balance;
    confirmed += expected;
    if (balance !== expected) wrong += 1;
  });
  return {
    exact: wrong === 0,
    measured:
      `balances moved by ${moved}; the 201 answers deposited ${confirmed}` +
      (wrong === 0 ? "" : `; ${wrong} account(s) off`),
  };
}

interface CaseSummary {
  readonly path: WritePath;
  readonly rule: ConflictRule;
  readonly spread: Spread;
  /** 201 answers per second over every round, the waits for deposits in flight included. */
  readonly perSecond: number;
  readonly roundsPerSecond: readonly number[];
  readonly answered: number;
  /** 503 answers by problem type. */
  readonly unavailable: ReadonlyMap<string, number>;
  /** Answers neither 201 nor 503, described. */
  readonly other: ReadonlyMap<string, number>;
  readonly p50: number;
  readonly p99: number;
  /** Per deposit committed. */
  readonly perCommitted: RequestCounts;
  readonly money: Money;
}

function summaryOf(each: DepositCase, money: Money): CaseSummary {
  const total = (field: keyof DepositRound) =>
    each.rounds.reduce((sum, round) => sum + round[field], 0);
  const committed = Math.max(total("committed"), 1);
  const byStatus = (unavailable: boolean) =>
    new Map(
      [...each.answers.entries()].filter(
        ([described]) => described !== "201" && described.startsWith("503") === unavailable,
      ),
    );
  const latency = summarize(each.latencies);
  return {
    path: each.path,
    rule: each.rule,
    spread: each.spread,
    perSecond: total("committed") / (total("elapsedMs") / 1000),
    roundsPerSecond: each.rounds.map((round) => round.committed / (round.elapsedMs / 1000)),
    answered: [...each.answers.values()].reduce((sum, value) => sum + value, 0),
    unavailable: byStatus(true),
    other: byStatus(false),
    p50: latency.p50,
    p99: latency.p99,
    perCommitted: {
      transactions: total("transactions") / committed,
      cancelled: total("cancelled") / committed,
      reads: total("reads") / committed,
    },
    money,
  };
}

const unavailableCount = (summary: CaseSummary) =>
  [...summary.unavailable.values()].reduce((sum, value) => sum + value, 0);

interface Transfer {
  readonly key: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  retries: number;
  last: TimedAnswer | undefined;
}

interface CrossingResult {
  readonly path: WritePath;
  readonly functionTimeoutSeconds: number;
  readonly first: ReadonlyMap<string, number>;
  readonly p50: number;
  readonly p99: number;
  /** 503s among the retries' answers. */
  readonly retriedUnavailable: number;
  readonly retries: number;
  readonly retriedTransfers: number;
  readonly mostRetries: number;
  readonly passes: number;
  /** Transfers without a 201 when the client gave up. */
  readonly unfinished: number;
  /** Per transfer committed. */
  readonly perCommitted: RequestCounts;
  readonly money: Money;
}

/**
 * `TRANSFERS_EACH_WAY` transfers from A to B and as many from B to A, all
 * sent at once under the AWS rule; then, as a client would, every one
 * without a 201 is sent again with its key after Retry-After, pass after
 * pass. Each transaction names both accounts, so any two transfers conflict.
 */
async function crossingTransfers(
  path: WritePath,
  api: ApiOverHttp,
  proxy: DynamoDbProxy,
): Promise<CrossingResult> {
  const caller = api.caller();
  const [a, b] = await Promise.all([
    caller.openAccount("EUR", OPENING_BALANCE),
    caller.openAccount("EUR", OPENING_BALANCE),
  ]);
  // Amounts 1–30 each way: 465 at most leaves either account, which holds 1,000.
  const transfers: Transfer[] = Array.from({ length: 2 * TRANSFERS_EACH_WAY }, (_, index) => {
    const outbound = index < TRANSFERS_EACH_WAY;
    return {
      key: randomUUID(),
      fromAccountId: outbound ? a : b,
      toAccountId: outbound ? b : a,
      amount: (index % TRANSFERS_EACH_WAY) + 1,
      retries: 0,
      last: undefined,
    };
  });
  const send = async (transfer: Transfer) => {
    transfer.last = await timedAnswer(() =>
      caller.post(
        "/transfers",
        {
          fromAccountId: transfer.fromAccountId,
          toAccountId: transfer.toAccountId,
          amount: transfer.amount,
        },
        { key: transfer.key },
      ),
    );
    return transfer.last;
  };

  const emulation = proxy.emulateTransactionConflicts({ holdMs: HOLD_MS });
  const before = requestCounts(proxy, emulation);
  let passes = 0;
  let retriedUnavailable = 0;
  let first: TimedAnswer[];
  let after: RequestCounts;
  try {
    first = await Promise.all(transfers.map(send));
    let pending = transfers.filter((transfer) => transfer.last?.status !== 201);
    while (pending.length > 0 && passes < MAX_RETRY_PASSES) {
      passes += 1;
      await sleep(retryAfterMs(pending));
      for (const transfer of pending) transfer.retries += 1;
      const answers = await Promise.all(pending.map(send));
      retriedUnavailable += answers.filter((answer) => answer.status === 503).length;
      pending = pending.filter((transfer) => transfer.last?.status !== 201);
    }
    after = requestCounts(proxy, emulation);
  } finally {
    emulation.disarm();
  }

  const firstTally = new Map<string, number>();
  for (const answer of first) count(firstTally, answer.described);
  const latency = summarize(first.map((answer) => answer.ms));
  const committed = transfers.filter((transfer) => transfer.last?.status === 201);
  const retried = transfers.filter((transfer) => transfer.retries > 0);
  const perTransfer = (field: keyof RequestCounts) =>
    (after[field] - before[field]) / Math.max(committed.length, 1);
  return {
    path,
    functionTimeoutSeconds: api.functionTimeoutSeconds,
    first: firstTally,
    p50: latency.p50,
    p99: latency.p99,
    retriedUnavailable,
    retries: retried.reduce((sum, transfer) => sum + transfer.retries, 0),
    retriedTransfers: retried.length,
    mostRetries: Math.max(0, ...transfers.map((transfer) => transfer.retries)),
    passes,
    unfinished: transfers.length - committed.length,
    perCommitted: {
      transactions: perTransfer("transactions"),
      cancelled: perTransfer("cancelled"),
      reads: perTransfer("reads"),
    },
    money: await transferMoney(caller, a, b, committed),
  };
}

/** The longest Retry-After the pending transfers were told, 1 s when none says. */
function retryAfterMs(pending: readonly Transfer[]): number {
  const seconds = pending.map((transfer) =>
    Number(transfer.last?.answer?.headers.get("retry-after") ?? 1),
  );
  return 1000 * Math.max(1, ...seconds.filter(Number.isFinite));
}

/**
 * Both balances exact for the transfers answered 201, and each of those in
 * each ledger exactly once (its id as the entry's reference), nothing else.
 */
async function transferMoney(
  caller: ApiCaller,
  a: string,
  b: string,
  committed: readonly Transfer[],
): Promise<Money> {
  const idOf = (transfer: Transfer) => String(transfer.last?.answer?.body.id);
  const expectedBalance = (account: string) =>
    OPENING_BALANCE +
    committed.reduce(
      (sum, transfer) =>
        sum +
        (transfer.toAccountId === account ? transfer.amount : 0) -
        (transfer.fromAccountId === account ? transfer.amount : 0),
      0,
    );
  const problems: string[] = [];
  for (const [name, account] of [
    ["A", a],
    ["B", b],
  ] as const) {
    const balance = await caller.balanceOf(account);
    if (balance !== expectedBalance(account)) {
      problems.push(`${name} holds ${balance}, not ${expectedBalance(account)}`);
    }
    const references = (await caller.entriesOf(account))
      .filter((entry) => entry.type.startsWith("transfer"))
      .map((entry) => entry.referenceId)
      .sort();
    const expected = committed
      .filter((transfer) => transfer.fromAccountId === account || transfer.toAccountId === account)
      .map(idOf)
      .sort();
    if (references.join() !== expected.join()) {
      problems.push(
        `${name}'s ledger has ${references.length} transfer entries (${new Set(references).size} distinct) for ${expected.length} transfers answered 201`,
      );
    }
  }
  return {
    exact: problems.length === 0,
    measured:
      problems.length === 0
        ? `both balances exact; each of the ${committed.length} transfers once in each ledger`
        : problems.join("; "),
  };
}

/** The hot account's transactions per second under the AWS rule: sent, cancelled, committed. */
function whereTransactionsWent(hot: CaseSummary): string {
  const perSecond = (perCommitted: number) => (perCommitted * hot.perSecond).toFixed(1);
  const { transactions, cancelled } = hot.perCommitted;
  const reached = transactions - cancelled;
  return (
    `${hot.path.label}, one account: ${perSecond(transactions)} TransactWriteItems/s sent, ` +
    `${perSecond(cancelled)}/s cancelled (TransactionConflict) before DynamoDB Local saw them, ` +
    `${perSecond(reached)}/s reached it: ${hot.perSecond.toFixed(1)}/s committed, ` +
    `${perSecond(reached - 1)}/s reached it but did not commit (inferred: presumably their version condition). ` +
    `${((100 * cancelled) / Math.max(transactions, Number.MIN_VALUE)).toFixed(0)} % of the transactions sent found the account held by another in flight.`
  );
}

function report(
  aws: readonly CaseSummary[],
  local: readonly CaseSummary[],
  crossing: readonly CrossingResult[],
): string {
  const spreadOf = (summary: CaseSummary, all: readonly CaseSummary[]) =>
    all.find(
      (candidate) =>
        candidate.path === summary.path &&
        candidate.rule === summary.rule &&
        candidate.spread === "spread",
    );
  const hotRows = [...aws, ...local].map((summary) => {
    const baseline = summary.spread === "hot" ? spreadOf(summary, [...aws, ...local]) : undefined;
    return [
      summary.path.label,
      ruleLabels[summary.rule],
      spreadLabels[summary.spread],
      `${summary.perSecond.toFixed(1)}/s`,
      spread(summary.roundsPerSecond),
      baseline ? ratio(summary.perSecond, baseline.perSecond) : "—",
      baseline
        ? roundRatios(ratiosPerRound(summary.roundsPerSecond, baseline.roundsPerSecond))
        : "—",
      ms(summary.p50),
      ms(summary.p99),
      `${unavailableCount(summary)} of ${summary.answered}${summary.unavailable.size > 0 ? ` (${describeTally(summary.unavailable)})` : ""}`,
      describeTally(summary.other),
      summary.perCommitted.transactions.toFixed(2),
      summary.rule === "aws" ? summary.perCommitted.cancelled.toFixed(2) : "—",
      summary.perCommitted.reads.toFixed(2),
      summary.money.exact ? "exact" : `**${summary.money.measured}**`,
    ];
  });

  const checks: GoalCheck[] = [];
  for (const hot of aws.filter((summary) => summary.spread === "hot")) {
    const baseline = spreadOf(hot, aws);
    const label = hot.path.label;
    const share = baseline ? hot.perSecond / baseline.perSecond : Number.NaN;
    recordHeadline({
      group: "hot-account-share",
      label,
      ratio: share,
      rounds: ratiosPerRound(hot.roundsPerSecond, baseline?.roundsPerSecond ?? []),
    });
    checks.push(
      {
        goal: `${label}: hot account keeps ≥ 60 % of the spread throughput`,
        measured: `${hot.perSecond.toFixed(1)}/s ÷ ${baseline?.perSecond.toFixed(1)}/s = ${ratio(hot.perSecond, baseline?.perSecond ?? Number.NaN)}`,
        met: share >= 0.6,
      },
      {
        goal: `${label}: hot account p99 ≤ 1.5 s`,
        measured: `p99 ${ms(hot.p99)}`,
        met: hot.p99 <= 1_500,
      },
      {
        goal: `${label}: hot account 0 × 503`,
        measured: `${unavailableCount(hot)} of ${hot.answered}: ${describeTally(hot.unavailable)}`,
        met: unavailableCount(hot) === 0,
      },
      {
        goal: `${label}: hot account ≤ 1.5 transactions per committed deposit`,
        measured: `${hot.perCommitted.transactions.toFixed(2)} TransactWriteItems (${hot.perCommitted.cancelled.toFixed(2)} cancelled by TransactionConflict)`,
        met: hot.perCommitted.transactions <= 1.5,
      },
    );
  }
  for (const summary of aws) {
    checks.push({
      goal: `${summary.path.label}: money exact, ${spreadLabels[summary.spread]} (balance = sum of the 201 deposits)`,
      measured: summary.money.measured,
      met: summary.money.exact,
    });
  }
  for (const result of crossing) {
    const firstUnavailable = [...result.first.entries()]
      .filter(([described]) => described.startsWith("503"))
      .reduce((sum, [, value]) => sum + value, 0);
    checks.push(
      {
        goal: `${result.path.label}: crossing transfers, ${result.functionTimeoutSeconds} s timeout: 0 × 503`,
        measured: `${firstUnavailable} × 503 among the first answers, ${result.retriedUnavailable} among the retries`,
        met: firstUnavailable + result.retriedUnavailable === 0,
      },
      {
        goal: `${result.path.label}: crossing transfers, ${result.functionTimeoutSeconds} s timeout: money exact after retries`,
        measured: result.money.measured,
        met: result.money.exact && result.unfinished === 0,
      },
    );
  }

  const crossingRows = crossing.map((result) => {
    const firstOf = (wanted: (described: string) => boolean) =>
      new Map([...result.first.entries()].filter(([described]) => wanted(described)));
    return [
      result.path.label,
      `${result.functionTimeoutSeconds} s`,
      String(result.first.get("201") ?? 0),
      describeTally(firstOf((described) => described.startsWith("503"))),
      describeTally(firstOf((described) => described !== "201" && !described.startsWith("503"))),
      ms(result.p50),
      ms(result.p99),
      result.retries === 0
        ? "none"
        : `${result.retries} (${result.retriedTransfers} transfers, at most ${result.mostRetries} each, ${result.passes} ${result.passes === 1 ? "pass" : "passes"})` +
          (result.unfinished > 0 ? `; **${result.unfinished} never 201**` : ""),
      `${result.perCommitted.transactions.toFixed(2)} (${result.perCommitted.cancelled.toFixed(2)} cancelled)`,
      result.money.exact ? "exact" : `**${result.money.measured}**`,
    ];
  });

  return [
    "Both write paths run side by side in the same run, each with servers of its own",
    "(`MOVEMENT_FOLDING=off` and `on`), on the same DynamoDB Local behind the same proxy.",
    "",
    markdownTable(
      [
        "write path",
        "conflict rule",
        "writers on",
        "deposits/s committed (201)",
        "per round",
        "hot ÷ spread",
        "each round",
        "p50",
        "p99",
        "503 (by problem type)",
        "other non-201",
        "TransactWriteItems per 201",
        "of which cancelled (TransactionConflict)",
        "reads per 201 (GetItem, BatchGetItem, Query)",
        "money",
      ],
      hotRows,
    ),
    "",
    `Crossing transfers: ${TRANSFERS_EACH_WAY} A→B and ${TRANSFERS_EACH_WAY} B→A sent at once, under the AWS rule:`,
    "",
    markdownTable(
      [
        "write path",
        "function timeout",
        "first answers 201",
        "first answers 503",
        "first answers, other",
        "p50 (first answers)",
        "p99 (first answers)",
        "retries with the same key until all 201",
        "TransactWriteItems per transfer",
        "money after retries",
      ],
      crossingRows,
    ),
    "",
    goalTable(checks),
    "",
    ...aws.filter((summary) => summary.spread === "hot").map(whereTransactionsWent),
    "",
    "The API runs as `npm start` serves it (bin/local.ts in a process of its own: the local",
    `gateway, one handler per route; function timeout ${DEFAULT_FUNCTION_TIMEOUT_SECONDS} s, the`,
    "default, unless said), on this bench's DynamoDB Local, without the outbox publisher",
    "(`OUTBOX_PUBLISHER=off`): on AWS it is a function of its own, and here each of the four",
    "processes would publish every event again, the backlog of one round on the CPU of the next",
    "(the spread rounds' on the hot rounds', since they write faster). Every DynamoDB request goes through the",
    "tests' proxy (test/support/dynamodb-proxy.ts), which emulates DynamoDB's rule under",
    "“AWS”: a TransactWriteItems that names an item another transaction in flight holds is",
    "cancelled with TransactionConflict, whatever its conditions; DynamoDB Local would instead",
    `run it after the other (the “DynamoDB Local” rows, ${COMPARISON_ROUNDS} round, for comparison). The proxy`,
    `holds each transaction's items while DynamoDB Local commits it${HOLD_MS > 0 ? `, plus ${HOLD_MS} ms` : ""}: the conflict`,
    "window is Local's commit time on this loaded machine, not calibrated against AWS; the shares below scale with it.",
    "",
    `${WRITERS} writers (fetch, keep-alive, one caller, rate limit off) each send deposits one`,
    `after the other with fresh keys, into ${WRITERS} accounts (one each) or all into one, against the same`,
    `server. ${ROUNDS} rounds per case under the AWS rule, alternating the cases: new deposits start for`,
    `${(ROUND_MS / 1000).toFixed(1)} s (${LOAD_SECONDS} s per case in all), then the deposits in flight finish, and`,
    "that time counts in the deposits per second; “per round” and “each round” show the spread",
    `across rounds. ${WARMUP_MS / 1000} s of unmeasured deposits warm the server first, and ${ROUND_WARMUP_MS} ms of the`,
    "case's own before each of its rounds (a round measures the case's steady state). Latency is per",
    "answer, whatever its status. DynamoDB requests are counted at the proxy on the data table",
    "(the accounts, their entries), cancelled ones included, per deposit answered 201. The money",
    "check reads every balance through the API at the end.",
    "",
    `Crossing transfers: two accounts of one caller holding ${OPENING_BALANCE} each, amounts 1–${TRANSFERS_EACH_WAY}`,
    "each way; every transaction names both accounts. Answers other than 201 are sent again with",
    `their key after Retry-After (1 s if none), up to ${MAX_RETRY_PASSES} passes. The money check compares both`,
    "balances with the 201 transfers and each ledger's transfer entries with their ids.",
  ].join("\n");
}
