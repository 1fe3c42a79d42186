import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type DynamoDBClient,
  QueryCommand,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import * as z from "zod";
import { type Deposit, depositSchema, type LedgerEntry } from "../../../functions/accounts/account";
import { createAccount, createDeposit } from "../../../functions/accounts/account-use-cases";
import { DynamoDbAccountRepository } from "../../../functions/accounts/dynamodb-account-repository";
import { Refused } from "../../../functions/domain/refusals";
import {
  beginAttempt,
  type Commit,
  DynamoDbIdempotencyStore,
  IdempotencyStrategy,
  type RequestIdentity,
  type ResolvedCoreOptions,
  resolveCoreOptions,
} from "../../../functions/idempotency";
import type { IdempotentAttempt } from "../../../functions/idempotency/core/attempt";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { DynamoDbMovementQueue } from "../../../functions/movements/dynamodb-movement-queue";
import { DEFAULT_MOVEMENT_SETTINGS, foldingOf } from "../../../functions/movements/folding";
import type { Folding, MovementPorts } from "../../../functions/movements/move-money";
import type { EnqueueResult } from "../../../functions/movements/movement-queue";
import { createDynamoDbClient } from "../../../functions/shared/aws/dynamodb-client";
import { DataTable } from "../../../functions/shared/dynamodb/data-table";
import { problemOf } from "../../../functions/shared/http/problem-errors-middleware";
import { MovementPendingError } from "../../../functions/shared/movement-pending-error";
import { commitAsAnswer } from "../../../functions/shared/write-ports";
import { DynamoDbTransferRepository } from "../../../functions/transfers/dynamodb-transfer-repository";
import { type Transfer, transferSchema } from "../../../functions/transfers/transfer";
import { createTransfer } from "../../../functions/transfers/transfer-use-cases";
import { readRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import type { Armed } from "../../support/transaction-conflicts";

/**
 * A model-based property of the write path of deposits and transfers
 * (functions/movements), at the use-case level: createDeposit and
 * createTransfer on the real repositories, the real movement queue and the
 * real idempotency layer (commit strategy: the record is written in the
 * business transaction; a duplicate answers the stored answer), on DynamoDB
 * Local behind the proxy that applies DynamoDB's transaction conflict rule.
 *
 * Each run opens 3 or 4 accounts of one caller (tuned with a random hotMs,
 * pollMs and foldOnMs: the property holds for any), funds them with
 * deposits, then sends one or two batches of deposits and transfers between
 * random pairs (crossing ones, and ones refused for insufficient funds):
 * - requests sent at once, some 2 or 3 times under one identity, some with
 *   a time budget that drops below moveMoney's 1 s reserve (they give up
 *   with MovementPendingError, or lose their races, their movement maybe
 *   left queued);
 * - followers, sent once an earlier request has its answers, and sessions
 *   of requests one after another (among them "top up, then spend it"), so
 *   that real time orders some requests;
 * - maybe a busy queue (clients depositing into one account over and over)
 *   and a "dead folder" holding a queue's lease without folding or
 *   releasing it, which waiters must take over once it runs out.
 * Every send without a final outcome (what the HTTP layer answers 503) is
 * retried by its client, after a pause, with the same identity and a normal
 * budget, until it has one. Then, against a model booked from the outcomes:
 * - each request's answers agree (one of them stored, the rest replays), and
 *   its movement's marker and idempotency record say the same;
 * - the balances add up to the deposits that moved; none is negative; every
 *   account's entries add up to its balance, each balanceAfter the running
 *   sum, one entry per version;
 * - each request that moved has exactly one entry per leg (referenceId its
 *   deposit or transfer); a refused one moved nothing;
 * - real time is respected: a movement answered before another was sent
 *   comes first in the ledgers they share, and a refusal was decided on a
 *   balance its source account had while the request was under way (not
 *   one already replaced before the request was sent);
 * - nothing is left in any queue.
 */

// A run takes about two seconds; a failing one is shrunk for at most FAST_CHECK_BUDGET_MS.
jest.setTimeout(240_000);

const RETENTION_SECONDS = 86_400;
/** A Lambda's budget: far more than any request here needs. */
const NORMAL_BUDGET_MS = 5_000;
/** Below moveMoney's 1 s reserve: a waiting request gives up at its next look. */
const SHORT_BUDGET_MS = 200;
/** The lease of every folder in a run with a dead folder: waiters take over once it runs out. */
const DEAD_FOLDER_LEASE_MS = 300;
/** Retries of a send without a final outcome (a client's, after a 503). */
const MAX_RETRIES = 10;
/** A run that takes longer than this fails (one stuck, say, behind a marker never settled). */
const RUN_TIMEOUT_MS = 60_000;
/** Runs and, after a failure, shrinking stop after this long; the failure found is reported. */
const FAST_CHECK_BUDGET_MS = 150_000;
/** Small pages, so that listing follows the cursor. */
const ENTRIES_PAGE = 7;

/** The movement queue, counting the movements it queued: the property must reach the queue. */
class ObservedMovementQueue extends DynamoDbMovementQueue {
  queued = 0;

  override async enqueue(
    ...args: Parameters<DynamoDbMovementQueue["enqueue"]>
  ): Promise<EnqueueResult> {
    const result = await super.enqueue(...args);
    if (result.queued) this.queued += 1;
    return result;
  }
}

let proxy: DynamoDbProxy;
let client: DynamoDBClient;
let emulation: Armed | undefined;
let dataTable: DataTable;
let accounts: DynamoDbAccountRepository;
let transfers: DynamoDbTransferRepository;
let queue: ObservedMovementQueue;
let idempotency: ResolvedCoreOptions<TransactWriteItem>;

/** Attempts that ended in MovementPendingError, over all runs. */
let pendingAttempts = 0;

beforeAll(async () => {
  const { endpoint, dataTable: dataTableName, idempotencyTable } = testEnvironment();
  proxy = await startDynamoDbProxy(endpoint);
  client = createDynamoDbClient({ endpoint: proxy.url });
  dataTable = new DataTable(client, dataTableName);
  accounts = new DynamoDbAccountRepository(dataTable);
  transfers = new DynamoDbTransferRepository(dataTable);
  queue = new ObservedMovementQueue(dataTable);
  idempotency = resolveCoreOptions<TransactWriteItem>({
    store: new DynamoDbIdempotencyStore({ client, tableName: idempotencyTable }),
    strategy: IdempotencyStrategy.Commit,
    retentionSeconds: RETENTION_SECONDS,
  });
  emulation = proxy.emulateTransactionConflicts();
});
afterAll(async () => {
  emulation?.disarm();
  client?.destroy();
  await proxy?.close();
  testClient().destroy();
});

// ---------------------------------------------------------------------------
// What the property generates

type Operation =
  | { readonly kind: "deposit"; readonly account: number; readonly amount: number }
  | {
      readonly kind: "transfer";
      readonly from: number;
      readonly to: number;
      readonly amount: number;
    };

/** One logical request (one identity), sent `copies` times at once. */
interface PlannedRequest {
  readonly operation: Operation;
  readonly copies: number;
  /**
   * Present: every copy's first attempt runs short of time, its budget
   * dropping below the reserve after this many looks at it.
   */
  readonly shortAfterCalls: number | undefined;
  /** Sent once this earlier request of the batch has all its answers; at once when absent. */
  readonly follows: number | undefined;
  /** How long its clients wait before they retry after a 503. */
  readonly retryPauseMs: number;
}

interface PlannedBatch {
  readonly requests: readonly PlannedRequest[];
  /** Indexes into `requests`, one per copy: the order in which the sends start (followers wait). */
  readonly sendingOrder: readonly number[];
  /** The account whose queue a dead folder holds through the batch's start. */
  readonly deadFolder: number | undefined;
}

/** The folding's tuning, whatever it is: the property holds for any. */
interface Tuning {
  readonly hotMs: number;
  readonly pollMs: number;
  readonly foldOnMs: number;
}

interface Scenario {
  readonly tuning: Tuning;
  /** Each account's opening deposit (0: none). */
  readonly opening: readonly number[];
  readonly batches: readonly PlannedBatch[];
}

const operationArbitrary = (accountCount: number): fc.Arbitrary<Operation> => {
  const account = fc.nat({ max: accountCount - 1 });
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("deposit" as const),
        account,
        amount: fc.integer({ min: 1, max: 400 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({
          from: account,
          shift: fc.integer({ min: 1, max: accountCount - 1 }),
          amount: fc.integer({ min: 1, max: 700 }),
        })
        .map(({ from, shift, amount }) => ({
          kind: "transfer" as const,
          from,
          to: (from + shift) % accountCount,
          amount,
        })),
    },
  );
};

/** A request, `follows` any number: reduced to an earlier request's index in the batch. */
const requestArbitrary = (accountCount: number): fc.Arbitrary<PlannedRequest> =>
  fc.record({
    operation: operationArbitrary(accountCount),
    copies: fc.oneof(
      { weight: 3, arbitrary: fc.constant(1) },
      { weight: 2, arbitrary: fc.integer({ min: 2, max: 3 }) },
    ),
    shortAfterCalls: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }) },
    ),
    follows: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.nat({ max: 1_000 }) },
    ),
    retryPauseMs: fc.constantFrom(10, 50, 300),
  });

/**
 * A client's "top up, then spend it": a deposit, and once it is answered a
 * transfer of the same amount out of the account, which the deposit's
 * balance covers unless others spent it meanwhile; maybe after a first
 * small transfer on the same way.
 */
const topUpAndSpendArbitrary = (accountCount: number): fc.Arbitrary<Operation[]> =>
  fc
    .record({
      account: fc.nat({ max: accountCount - 1 }),
      shift: fc.integer({ min: 1, max: accountCount - 1 }),
      amount: fc.integer({ min: 1, max: 400 }),
      prime: fc.boolean(),
    })
    .map(({ account, shift, amount, prime }) => {
      const to = (account + shift) % accountCount;
      return [
        ...(prime ? [{ kind: "transfer" as const, from: account, to, amount: 1 }] : []),
        { kind: "deposit", account, amount },
        { kind: "transfer", from: account, to, amount },
      ];
    });

/**
 * A busy queue: several clients each depositing into one account again
 * and again, each deposit once its last is answered.
 */
const busyArbitrary = (accountCount: number): fc.Arbitrary<Operation[][]> =>
  fc
    .record({
      account: fc.nat({ max: accountCount - 1 }),
      clients: fc.integer({ min: 3, max: 6 }),
      length: fc.integer({ min: 3, max: 6 }),
    })
    .map(({ account, clients, length }) =>
      Array.from({ length: clients }, () =>
        Array.from({ length }, () => ({ kind: "deposit" as const, account, amount: 1 })),
      ),
    );

const batchArbitrary = (accountCount: number): fc.Arbitrary<PlannedBatch> =>
  fc
    .record({
      requests: fc.array(requestArbitrary(accountCount), { minLength: 6, maxLength: 14 }),
      /** Clients each sending a few requests one after another. */
      sessions: fc.array(
        fc.oneof(
          fc.array(operationArbitrary(accountCount), { minLength: 2, maxLength: 5 }),
          topUpAndSpendArbitrary(accountCount),
        ),
        { maxLength: 4 },
      ),
      busy: fc.option(busyArbitrary(accountCount), { nil: undefined }),
      deadFolder: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.nat({ max: accountCount - 1 }) },
      ),
    })
    .chain(({ requests: drawn, sessions, busy, deadFolder }) => {
      const requests: PlannedRequest[] = drawn.map((request, index) => ({
        ...request,
        follows: request.follows === undefined || index === 0 ? undefined : request.follows % index,
      }));
      for (const session of [...sessions, ...(busy ?? [])]) {
        const first = requests.length;
        requests.push(
          ...session.map(
            (operation, step): PlannedRequest => ({
              operation,
              copies: 1,
              shortAfterCalls: undefined,
              follows: step === 0 ? undefined : first + step - 1,
              retryPauseMs: 10,
            }),
          ),
        );
      }
      const copies = requests.flatMap((request, index) =>
        Array.from({ length: request.copies }, () => index),
      );
      return fc
        .shuffledSubarray(copies, { minLength: copies.length, maxLength: copies.length })
        .map((sendingOrder) => ({ requests, sendingOrder, deadFolder }));
    });

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .integer({ min: 3, max: 4 })
  .chain((accountCount) =>
    fc.record({
      tuning: fc.record({
        hotMs: fc.constantFrom(DEFAULT_MOVEMENT_SETTINGS.hotMs, 1_000, 0),
        pollMs: fc.constantFrom(DEFAULT_MOVEMENT_SETTINGS.pollMs, 20, 5),
        foldOnMs: fc.constantFrom(DEFAULT_MOVEMENT_SETTINGS.foldOnMs, 1_000, 0),
      }),
      opening: fc.array(fc.integer({ min: 0, max: 600 }), {
        minLength: accountCount,
        maxLength: accountCount,
      }),
      batches: fc.array(batchArbitrary(accountCount), { minLength: 1, maxLength: 2 }),
    }),
  );

// ---------------------------------------------------------------------------
// Sending requests through the use cases and the idempotency layer

/** A request's final answer: the resource it made, or the refusal. Stored as JSON. */
const outcomeSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("moved"), result: z.union([depositSchema, transferSchema]) }),
  z.object({ status: z.literal("refused"), refusal: z.looseObject({ reason: z.string() }) }),
]);
type Outcome = z.infer<typeof outcomeSchema>;

const parseOutcome = (answer: string): Outcome => outcomeSchema.parse(JSON.parse(answer));

/** How one attempt of a send ended. */
type Attempted =
  /** `replayed`: the key's stored answer, not this attempt's own. */
  | { readonly kind: "final"; readonly outcome: Outcome; readonly replayed: boolean }
  /** What the HTTP layer answers 503: nothing final, the client retries with the same key. */
  | { readonly kind: "retry"; readonly error: string }
  | { readonly kind: "failed"; readonly error: string };

interface World {
  readonly caller: string;
  readonly accountIds: readonly string[];
  readonly folding: Folding<TransactWriteItem>;
}

interface LogicalRequest {
  readonly label: string;
  readonly operation: Operation;
  readonly identity: RequestIdentity;
  readonly correlationId: string;
}

function accountIdOf(world: World, index: number): string {
  const id = world.accountIds[index];
  if (id === undefined) throw new Error(`no account ${index}`);
  return id;
}

/** The request as a client would send it: its fingerprint is made of it. */
function bodyOf(world: World, operation: Operation) {
  return operation.kind === "deposit"
    ? {
        route: "createDeposit",
        accountId: accountIdOf(world, operation.account),
        amount: operation.amount,
      }
    : {
        route: "createTransfer",
        fromAccountId: accountIdOf(world, operation.from),
        toAccountId: accountIdOf(world, operation.to),
        amount: operation.amount,
      };
}

function logicalRequest(world: World, operation: Operation, label: string): LogicalRequest {
  const fingerprint = createHash("sha256")
    .update(JSON.stringify(bodyOf(world, operation)))
    .digest("hex");
  return {
    label,
    operation,
    identity: { pk: callerRecordKey(world.caller, randomUUID()), fingerprint },
    correlationId: `model-${label}`,
  };
}

/** An invocation's remaining time, counting down from a Lambda's budget. */
function normalBudget(): () => number {
  const deadline = Date.now() + NORMAL_BUDGET_MS;
  return () => deadline - Date.now();
}

/** A budget that drops below the reserve after `normalCalls` looks at it. */
function shortBudget(normalCalls: number): () => number {
  let calls = 0;
  return () => {
    calls += 1;
    return calls <= normalCalls ? NORMAL_BUDGET_MS : SHORT_BUDGET_MS;
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error);
}

/** An error as the HTTP layer answers it: 503 is retried, anything else is final (and a failure here). */
function attemptedOf(error: unknown): Attempted {
  if (problemOf(error).statusCode === 503) {
    if (error instanceof MovementPendingError) pendingAttempts += 1;
    return { kind: "retry", error: describeError(error) };
  }
  return { kind: "failed", error: describeError(error) };
}

function movementPorts<TResult extends Deposit | Transfer>(
  world: World,
  request: LogicalRequest,
  attempt: IdempotentAttempt<TransactWriteItem>,
  remainingTimeMs: () => number,
  onReplay: (answer: string) => void,
): MovementPorts<TransactWriteItem, TResult> {
  const commitAnswer: Commit<TransactWriteItem, string> = async (writes, answer) => {
    const settlement = await attempt.commit(writes, answer);
    if (settlement.kind === "replay") onReplay(settlement.answer);
    return answer;
  };
  return {
    accounts,
    transfers,
    folding: world.folding,
    commit: commitAsAnswer(commitAnswer, (result: TResult) =>
      JSON.stringify({ status: "moved", result }),
    ),
    now: () => new Date(),
    remainingTimeMs,
    correlationId: request.correlationId,
    identity: request.identity,
  };
}

/**
 * One attempt of a request, as the HTTP face runs it: an attempt of the
 * idempotency layer begun, the use case run with it, a refusal stored by a
 * lone put after it (or the stored answer taken instead), a 503 stored never.
 */
async function attemptOnce(
  world: World,
  request: LogicalRequest,
  remainingTimeMs: () => number,
): Promise<Attempted> {
  try {
    const begun = await beginAttempt(idempotency, request.identity);
    if (begun.kind === "replay") {
      return { kind: "final", outcome: parseOutcome(begun.answer), replayed: true };
    }
    const { attempt } = begun;
    let replayedAnswer: string | undefined;
    const onReplay = (answer: string) => {
      replayedAnswer = answer;
    };
    try {
      const { operation } = request;
      const result: Deposit | Transfer =
        operation.kind === "deposit"
          ? await createDeposit(
              {
                caller: world.caller,
                accountId: accountIdOf(world, operation.account),
                amount: operation.amount,
              },
              movementPorts<Deposit>(world, request, attempt, remainingTimeMs, onReplay),
            )
          : await createTransfer(
              {
                caller: world.caller,
                fromAccountId: accountIdOf(world, operation.from),
                toAccountId: accountIdOf(world, operation.to),
                amount: operation.amount,
              },
              movementPorts<Transfer>(world, request, attempt, remainingTimeMs, onReplay),
            );
      if (replayedAnswer !== undefined) {
        return { kind: "final", outcome: parseOutcome(replayedAnswer), replayed: true };
      }
      return {
        kind: "final",
        outcome: parseOutcome(JSON.stringify({ status: "moved", result })),
        replayed: false,
      };
    } catch (error) {
      if (!(error instanceof Refused)) return attemptedOf(error);
      // The middleware stores a business refusal after the handler (`finish`).
      const answer = JSON.stringify({ status: "refused", refusal: error.refusal });
      const settlement = await attempt.finish(answer);
      return settlement.kind === "replay"
        ? { kind: "final", outcome: parseOutcome(settlement.answer), replayed: true }
        : { kind: "final", outcome: parseOutcome(answer), replayed: false };
    }
  } catch (error) {
    return attemptedOf(error);
  }
}

interface Send {
  readonly request: LogicalRequest;
  /** The first attempt's budget, made when it starts. */
  readonly firstBudget: () => () => number;
  readonly retryPauseMs: number;
  readonly attempts: Attempted[];
  startedAtMs?: number;
  answeredAtMs?: number;
}

/** A client: sends, and after a 503 waits and sends again, with a normal budget. */
async function runSend(world: World, send: Send): Promise<void> {
  let budget = send.firstBudget();
  send.startedAtMs = Date.now();
  for (let retries = 0; ; retries += 1) {
    const attempted = await attemptOnce(world, send.request, budget);
    send.attempts.push(attempted);
    if (attempted.kind !== "retry") {
      send.answeredAtMs = Date.now();
      return;
    }
    if (retries >= MAX_RETRIES) return;
    // A client's pause before it retries; nothing is judged by it.
    await sleep(send.retryPauseMs);
    budget = normalBudget();
  }
}

/** A request's final answers, one per copy, and when it was under way. */
interface Answered {
  readonly finals: ReadonlyArray<{ readonly outcome: Outcome; readonly replayed: boolean }>;
  /** When its first copy was sent. */
  readonly startedAtMs: number;
  /** When its first final answer came. */
  readonly answeredAtMs: number;
}

/**
 * Runs every send, a follower's once the request it follows has all its
 * answers, and waits for all of them.
 * @returns each request's answers
 * @throws when a send failed (what the HTTP layer answers 500) or has no final outcome
 */
async function sendAll(
  world: World,
  sends: readonly Send[],
  followsOf: (request: LogicalRequest) => LogicalRequest | undefined,
): Promise<Map<LogicalRequest, Answered>> {
  const runs = new Map<Send, Promise<void>>();
  const completions = new Map<LogicalRequest, Promise<void>>();
  const completion = (request: LogicalRequest): Promise<void> => {
    let done = completions.get(request);
    if (!done) {
      done = Promise.allSettled(sends.filter((send) => send.request === request).map(start)).then(
        () => undefined,
      );
      completions.set(request, done);
    }
    return done;
  };
  const start = (send: Send): Promise<void> => {
    let run = runs.get(send);
    if (!run) {
      const followed = followsOf(send.request);
      run = (followed ? completion(followed) : Promise.resolve()).then(() => runSend(world, send));
      runs.set(send, run);
    }
    return run;
  };
  const settled = await Promise.allSettled(sends.map(start));
  const thrown = settled.flatMap((result) =>
    result.status === "rejected" ? [describeError(result.reason)] : [],
  );
  if (thrown.length > 0) throw new Error(`a client threw:\n${thrown.join("\n")}`);

  const unanswered = sends.filter((send) => send.attempts.at(-1)?.kind !== "final");
  if (unanswered.length > 0) {
    throw new Error(
      `${unanswered.length} send(s) without a final outcome:\n${unanswered
        .map(
          (send) =>
            `${send.request.label} ${JSON.stringify(send.request.operation)}: ${JSON.stringify(send.attempts.at(-1))}`,
        )
        .join("\n")}`,
    );
  }
  const answered = new Map<LogicalRequest, Answered>();
  for (const send of sends) {
    const last = send.attempts.at(-1);
    const { startedAtMs, answeredAtMs } = send;
    if (last?.kind !== "final" || startedAtMs === undefined || answeredAtMs === undefined) {
      throw new Error(`${send.request.label} has no final outcome`);
    }
    const own = answered.get(send.request);
    answered.set(send.request, {
      finals: [...(own?.finals ?? []), { outcome: last.outcome, replayed: last.replayed }],
      startedAtMs: Math.min(own?.startedAtMs ?? startedAtMs, startedAtMs),
      answeredAtMs: Math.min(own?.answeredAtMs ?? answeredAtMs, answeredAtMs),
    });
  }
  return answered;
}

// ---------------------------------------------------------------------------
// The model, booked from the outcomes

interface ExpectedEntry {
  readonly type: LedgerEntry["type"];
  readonly amount: number;
  readonly referenceId: string;
}

const entryKey = (entry: ExpectedEntry) => `${entry.type} ${entry.amount} ${entry.referenceId}`;

/** A request's one outcome, and when it was under way. */
interface Decided {
  readonly request: LogicalRequest;
  readonly outcome: Outcome;
  readonly startedAtMs: number;
  readonly answeredAtMs: number;
}

class Model {
  /** Every deposit that moved: what the balances must add up to. */
  deposited = 0;
  readonly entries: ExpectedEntry[][];
  /** Each request's agreed outcome, to be found in its marker and its record. */
  readonly decided: Decided[] = [];
  /** The requests that moved, by the id of the deposit or transfer they made. */
  readonly byReference = new Map<string, Decided>();

  constructor(accountCount: number) {
    this.entries = Array.from({ length: accountCount }, () => []);
  }

  private entriesOf(account: number): ExpectedEntry[] {
    const entries = this.entries[account];
    if (!entries) throw new Error(`no account ${account}`);
    return entries;
  }

  /** Checks a request's answers against each other and its operation, and books its outcome. */
  book(world: World, request: LogicalRequest, answered: Answered | undefined): void {
    if (!answered) throw new Error(`${request.label} was not sent`);
    const { finals, startedAtMs, answeredAtMs } = answered;
    const [first] = finals;
    if (!first) throw new Error(`${request.label} has no answer`);
    const { outcome } = first;
    // Every copy, retried or not, answers the request's one outcome; one of them stored it.
    expect({ request: request.label, outcomes: finals.map((final) => final.outcome) }).toEqual({
      request: request.label,
      outcomes: finals.map(() => outcome),
    });
    expect({
      request: request.label,
      stored: finals.filter((final) => !final.replayed).length,
    }).toEqual({ request: request.label, stored: 1 });
    const decided = { request, outcome, startedAtMs, answeredAtMs };
    this.decided.push(decided);
    if (outcome.status === "moved") this.byReference.set(outcome.result.id, decided);

    const { operation } = request;
    if (operation.kind === "deposit") {
      // A deposit this small is never refused.
      expect({ request: request.label, outcome }).toEqual({
        request: request.label,
        outcome: {
          status: "moved",
          result: expect.objectContaining({
            accountId: accountIdOf(world, operation.account),
            amount: operation.amount,
          }),
        },
      });
      if (outcome.status !== "moved") return;
      this.deposited += operation.amount;
      this.entriesOf(operation.account).push({
        type: "deposit",
        amount: operation.amount,
        referenceId: outcome.result.id,
      });
      return;
    }
    if (outcome.status === "refused") {
      // Refused only for the funds of its source account, on a balance below the amount.
      expect(outcome.refusal).toEqual({
        reason: "insufficient-funds",
        account: "source account",
        balance: expect.any(Number),
        needed: operation.amount,
      });
      expect(outcome.refusal.balance).toBeLessThan(operation.amount);
      return;
    }
    expect(outcome.result).toEqual({
      id: expect.any(String),
      fromAccountId: accountIdOf(world, operation.from),
      toAccountId: accountIdOf(world, operation.to),
      amount: operation.amount,
      currency: "EUR",
      createdAt: expect.any(String),
    });
    const referenceId = outcome.result.id;
    this.entriesOf(operation.from).push({
      type: "transfer_out",
      amount: -operation.amount,
      referenceId,
    });
    this.entriesOf(operation.to).push({
      type: "transfer_in",
      amount: operation.amount,
      referenceId,
    });
  }
}

// ---------------------------------------------------------------------------
// The checks

async function entriesOf(accountId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await accounts.listEntries(accountId, {
      limit: ENTRIES_PAGE,
      ...(after === undefined ? {} : { after }),
    });
    entries.push(...page.items);
    if (page.next === null) return entries;
    after = page.next;
  }
}

/** Movements still waiting in a queue. */
async function queuedIn(queueName: string): Promise<number> {
  const { Count = 0 } = await client.send(
    new QueryCommand({
      TableName: testEnvironment().dataTable,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `QUEUE#${queueName}` } },
      Select: "COUNT",
      ConsistentRead: true,
    }),
  );
  return Count;
}

function queueNameOf(world: World, operation: Operation): string {
  if (operation.kind === "deposit") return accountIdOf(world, operation.account);
  // A transfer waits in the queue of the lower of its two accounts.
  const from = accountIdOf(world, operation.from);
  const to = accountIdOf(world, operation.to);
  return to < from ? to : from;
}

function decidedOf(model: Model, entry: LedgerEntry): Decided {
  const decided = model.byReference.get(entry.referenceId);
  if (!decided) throw new Error(`entry ${entry.id} of ${entry.referenceId}: no request made it`);
  return decided;
}

const timeline = (model: Model, entries: readonly LedgerEntry[]) =>
  entries.map((entry) => {
    const { request, startedAtMs, answeredAtMs } = decidedOf(model, entry);
    return `${entry.referenceId} (${request.label}, sent ${startedAtMs}, answered ${answeredAtMs}, at ${Date.parse(entry.createdAt)}): ${entry.amount} -> ${entry.balanceAfter}`;
  });

/**
 * A movement answered before another was sent committed first: its entry
 * comes first in every ledger both are in (entries are in version order).
 */
function checkRealTimeOrder(model: Model, account: number, entries: readonly LedgerEntry[]) {
  let latest: Decided | undefined;
  for (const entry of entries) {
    const decided = decidedOf(model, entry);
    if (latest && decided.answeredAtMs < latest.startedAtMs) {
      throw new Error(
        `account ${account}: ${decided.request.label} was answered before ${latest.request.label} was sent, yet its entry comes after:\n${timeline(model, entries).join("\n")}`,
      );
    }
    if (!latest || decided.startedAtMs > latest.startedAtMs) latest = decided;
  }
}

/**
 * A refusal says the balance it was decided on: one the source account had
 * at some moment while the request was under way. A balance came about when
 * its entry was committed (not before the entry's time) and was replaced
 * when the next entry was, which is before any later entry's movement was
 * answered: replaced before the request was sent, it is a stale read; come
 * about only after the refusal was answered, an impossible one.
 */
function checkRefusedOnLiveBalance(
  model: Model,
  refused: Decided,
  source: readonly LedgerEntry[] | undefined,
) {
  if (refused.outcome.status !== "refused" || !source) throw new Error("not a refused transfer");
  const { balance } = refused.outcome.refusal;
  // replacedByMs[v]: a moment by which the balance after entry v (v = 0: the opening one) was replaced.
  const replacedByMs: number[] = Array(source.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let v = source.length - 1; v >= 0; v -= 1) {
    const entry = source[v];
    if (!entry) continue;
    replacedByMs[v] = Math.min(
      replacedByMs[v + 1] ?? Number.POSITIVE_INFINITY,
      decidedOf(model, entry).answeredAtMs,
    );
  }
  const states = [
    { balance: 0, sinceMs: Number.NEGATIVE_INFINITY },
    ...source.map((entry) => ({
      balance: entry.balanceAfter,
      sinceMs: Date.parse(entry.createdAt),
    })),
  ];
  const live = states.some(
    (state, v) =>
      state.balance === balance &&
      state.sinceMs <= refused.answeredAtMs &&
      (replacedByMs[v] ?? Number.POSITIVE_INFINITY) >= refused.startedAtMs,
  );
  if (!live) {
    throw new Error(
      `${refused.request.label} (sent ${refused.startedAtMs}, answered ${refused.answeredAtMs}) was refused on a balance of ${String(balance)} its source account did not have meanwhile:\n${timeline(model, source).join("\n")}`,
    );
  }
}

async function checkLedger(world: World, model: Model): Promise<void> {
  let total = 0;
  const ledgers = new Map<string, LedgerEntry[]>();
  for (const [index, accountId] of world.accountIds.entries()) {
    const account = await accounts.find(accountId);
    if (!account) throw new Error(`account ${accountId} is gone`);
    const entries = await entriesOf(accountId);
    ledgers.set(accountId, entries);
    total += account.balance;

    expect(account.balance).toBeGreaterThanOrEqual(0);
    let running = 0;
    for (const entry of entries) {
      running += entry.amount;
      expect({
        entry: entry.id,
        accountId: entry.accountId,
        balanceAfter: entry.balanceAfter,
      }).toEqual({
        entry: entry.id,
        accountId,
        balanceAfter: running,
      });
      expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
    }
    expect({ account: index, sum: running, entries: entries.length }).toEqual({
      account: index,
      sum: account.balance,
      // One entry per version: an account opens at version 1.
      entries: account.version - 1,
    });
    // Each movement that moved, once per leg; nothing else (a refusal moved nothing).
    expect({ account: index, entries: entries.map(entryKey).toSorted() }).toEqual({
      account: index,
      entries: (model.entries[index] ?? []).map(entryKey).toSorted(),
    });
    expect({ account: index, queued: await queuedIn(accountId) }).toEqual({
      account: index,
      queued: 0,
    });
    checkRealTimeOrder(model, index, entries);
  }
  // Conservation: transfers move money, only deposits make it.
  expect(total).toBe(model.deposited);

  for (const decided of model.decided) {
    const { request, outcome } = decided;
    const { operation } = request;
    // The movement's marker is settled with the outcome every answer gave.
    const { marker } = await queue.poll(
      request.identity.pk,
      queueNameOf(world, operation),
      Date.now(),
    );
    expect({ request: request.label, marker }).toEqual({
      request: request.label,
      marker: {
        key: request.identity.pk,
        fingerprint: request.identity.fingerprint,
        status: "settled",
        outcome,
      },
    });
    const record = await readRecord(request.identity.pk);
    expect({
      request: request.label,
      stored: record?.status === "COMPLETED" ? parseOutcome(record.answer) : record,
    }).toEqual({ request: request.label, stored: outcome });

    if (outcome.status === "refused") {
      if (operation.kind !== "transfer") throw new Error(`${request.label}: a deposit refused`);
      checkRefusedOnLiveBalance(model, decided, ledgers.get(accountIdOf(world, operation.from)));
      continue;
    }
    const { result } = outcome;
    if (operation.kind === "deposit") {
      const accountId = accountIdOf(world, operation.account);
      expect(await accounts.findDeposit(accountId, result.id)).toEqual(result);
      // The deposit answers the balance its entry left.
      const entry = ledgers
        .get(accountId)
        ?.find((candidate) => candidate.referenceId === result.id);
      expect({ request: request.label, balance: entry?.balanceAfter }).toEqual({
        request: request.label,
        balance: depositSchema.parse(result).balance,
      });
    } else {
      expect(await transfers.find(result.id)).toEqual({ ...result, ownerId: world.caller });
    }
  }
}

// ---------------------------------------------------------------------------
// A run

async function openWorld(scenario: Scenario): Promise<World> {
  const caller = `model-${randomUUID()}`;
  const accountIds: string[] = [];
  for (const [index] of scenario.opening.entries()) {
    const account = await createAccount(
      { caller, currency: "EUR" },
      {
        accounts,
        commit: async (writes, result) => {
          if (!(await dataTable.transact(writes))) throw new Error("the account was not created");
          return result;
        },
        now: () => new Date(),
        remainingTimeMs: normalBudget(),
        correlationId: `model-open-${index}`,
      },
    );
    accountIds.push(account.id);
  }
  // Indexes in id order: a transfer between two accounts waits in the lower index's queue.
  accountIds.sort();
  const deadFolders = scenario.batches.some((batch) => batch.deadFolder !== undefined);
  const folding = foldingOf(
    queue,
    { movementFolding: true, idempotencyRetentionSeconds: RETENTION_SECONDS },
    { ...scenario.tuning, ...(deadFolders ? { leaseMs: DEAD_FOLDER_LEASE_MS } : {}) },
  );
  if (!folding) throw new Error("folding is off");
  return { caller, accountIds, folding };
}

async function runBatch(
  world: World,
  model: Model,
  batch: PlannedBatch,
  batchIndex: number,
): Promise<void> {
  const requests = batch.requests.map((planned, index) =>
    logicalRequest(world, planned.operation, `b${batchIndex}r${index}`),
  );
  const sends: Send[] = batch.sendingOrder.map((index) => {
    const request = requests[index];
    const planned = batch.requests[index];
    if (!request || !planned) throw new Error(`no request ${index} in the batch`);
    const { shortAfterCalls } = planned;
    return {
      request,
      firstBudget:
        shortAfterCalls === undefined ? normalBudget : () => shortBudget(shortAfterCalls),
      retryPauseMs: planned.retryPauseMs,
      attempts: [],
    };
  });
  if (batch.deadFolder !== undefined) {
    // A folder that took the queue's lease and died: it never folds, never releases.
    // (A dead folder of the previous batch may hold it still: the same.)
    const nowMs = Date.now();
    await queue.takeLease(
      accountIdOf(world, batch.deadFolder),
      `dead-folder-${randomUUID()}`,
      nowMs + DEAD_FOLDER_LEASE_MS,
      nowMs,
    );
  }

  const answered = await sendAll(world, sends, (request) => {
    const follows = batch.requests[requests.indexOf(request)]?.follows;
    return follows === undefined ? undefined : requests[follows];
  });

  for (const request of requests) model.book(world, request, answered.get(request));
}

/** The opening deposits: one request each, sent once. */
async function fund(world: World, model: Model, opening: readonly number[]): Promise<void> {
  const requests = opening.flatMap((amount, account) =>
    amount > 0
      ? [logicalRequest(world, { kind: "deposit", account, amount }, `open${account}`)]
      : [],
  );
  const answered = await sendAll(
    world,
    requests.map((request) => ({
      request,
      firstBudget: normalBudget,
      retryPauseMs: 10,
      attempts: [],
    })),
    () => undefined,
  );
  for (const request of requests) model.book(world, request, answered.get(request));
}

describe("deposits and transfers, queued and folded under contention", () => {
  it("conserve money: every request's outcome once, whatever its duplicates, deadlines and retries, and no queue left behind", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const world = await openWorld(scenario);
        const model = new Model(world.accountIds.length);
        await fund(world, model, scenario.opening);
        await checkLedger(world, model);
        for (const [index, batch] of scenario.batches.entries()) {
          await runBatch(world, model, batch, index);
          await checkLedger(world, model);
        }
      }),
      {
        numRuns: 10,
        timeout: RUN_TIMEOUT_MS,
        interruptAfterTimeLimit: FAST_CHECK_BUDGET_MS,
        markInterruptAsFailure: true,
      },
    );
    // The property reached the queue, and requests gave up waiting in it.
    expect(queue.queued).toBeGreaterThan(0);
    expect(pendingAttempts).toBeGreaterThan(0);
  });
});
