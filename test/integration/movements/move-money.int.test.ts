import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ScanCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod";
import {
  type Account,
  depositSchema,
  ledgerEntrySchema,
} from "../../../functions/accounts/account";
import { accountAnswers } from "../../../functions/accounts/account-answers";
import { createDeposit } from "../../../functions/accounts/account-use-cases";
import { DynamoDbAccountRepository } from "../../../functions/accounts/dynamodb-account-repository";
import { newId } from "../../../functions/domain/primitives";
import { Refused } from "../../../functions/domain/refusals";
import {
  type Commit,
  type HttpResult,
  IdempotencyKeyReusedError,
  IdempotencyStrategy,
} from "../../../functions/idempotency";
import { toEpochSeconds } from "../../../functions/idempotency/core/record";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { DynamoDbMovementQueue } from "../../../functions/movements/dynamodb-movement-queue";
import { foldOnce } from "../../../functions/movements/fold-queue";
import { foldingOf } from "../../../functions/movements/folding";
import {
  MOVEMENT_WAIT_RESERVE_MS,
  type MovementPorts,
} from "../../../functions/movements/move-money";
import { movementOutcomeSchema, movementSchema } from "../../../functions/movements/movement";
import type { MovementQueue } from "../../../functions/movements/movement-queue";
import { DataTable } from "../../../functions/shared/dynamodb/data-table";
import { MovementPendingError } from "../../../functions/shared/movement-pending-error";
import { commitAsAnswer } from "../../../functions/shared/write-ports";
import { DynamoDbTransferRepository } from "../../../functions/transfers/dynamodb-transfer-repository";
import { transferSchema } from "../../../functions/transfers/transfer";
import { transferAnswers } from "../../../functions/transfers/transfer-answers";
import { createTransfer } from "../../../functions/transfers/transfer-use-cases";
import { afterFirstRead } from "../../support/after-first-read";
import { dynamoDbStore, readRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { idempotentHandler } from "../../support/idempotent-handler";
import { lambdaContext, restApiEvent } from "../../support/lambda-fixtures";
import { type ManualClock, manualClock } from "../../support/manual-clock";

/**
 * The write path of deposits and transfers (functions/movements/move-money.ts)
 * on DynamoDB Local, through the real repositories, the real movement queue
 * and the real idempotency layer: each request goes through the HTTP face's
 * middleware under the commit strategy (the deposit and transfer routes'),
 * with the problem renderer after it, as the routes are wired. So the
 * idempotency records are real, a refusal or a 422 is stored as the route
 * would store it, and a retry meets what a retry meets in production.
 *
 * Time is the ports' (a manual clock: `now`, the Lambda context's remaining
 * time, the layer's `now`); only the waiting request's poll sleeps are real,
 * shortened to a few milliseconds.
 */

type Write = TransactWriteItem;

const RETENTION_SECONDS = 86_400;
/** An account stays hot for the whole test unless a test moves the clock past it. */
const SETTINGS = { leaseMs: 1_000, pollMs: 5, hotMs: 60_000 } as const;
const CONFIG = { movementFolding: true, idempotencyRetentionSeconds: RETENTION_SECONDS } as const;
/** A request's time left when it has plenty. */
const BUDGET_MS = 20_000;
/** Below move-money's reserve: the request gives up as soon as its movement is queued. */
const GIVE_UP_MS = MOVEMENT_WAIT_RESERVE_MS - 100;

let table: DataTable;
let accounts: DynamoDbAccountRepository;
let transfers: DynamoDbTransferRepository;

beforeAll(() => {
  table = new DataTable(testClient(), testEnvironment().dataTable);
  accounts = new DynamoDbAccountRepository(table);
  transfers = new DynamoDbTransferRepository(table);
});
afterAll(() => {
  testClient().destroy();
});

/** A transaction a queue committed, or tried to. */
interface Transaction {
  readonly writes: readonly Write[];
  readonly committed: boolean;
  readonly atMs: number;
}

/**
 * The real queue, watched: what waiting requests saw when they polled, and
 * every transaction (folds, settled refusals) with the clock's time. A test
 * may run a competing write once, right before a transaction it picks.
 */
class WatchedQueue implements MovementQueue<Write> {
  readonly polls: { readonly status: string | undefined; readonly leaseFree: boolean }[] = [];
  readonly transactions: Transaction[] = [];
  /** How far the clock moves with each transaction: time that passes while folds keep failing. */
  tickMs = 0;
  private competitor:
    | { readonly when: (writes: readonly Write[]) => boolean; readonly run: () => Promise<void> }
    | undefined;

  constructor(
    private readonly inner: MovementQueue<Write>,
    private readonly clock: ManualClock,
  ) {}

  /** Runs `run` once, before the first transaction `when` picks is sent. */
  competeOnce(when: (writes: readonly Write[]) => boolean, run: () => Promise<void>): void {
    this.competitor = { when, run };
  }

  enqueue(...args: Parameters<MovementQueue<Write>["enqueue"]>) {
    return this.inner.enqueue(...args);
  }

  async poll(key: string, queue: string, nowMs: number) {
    const polled = await this.inner.poll(key, queue, nowMs);
    this.polls.push({ status: polled.marker?.status, leaseFree: polled.leaseFree });
    return polled;
  }

  takeLease(queue: string, token: string, untilMs: number, nowMs: number) {
    return this.inner.takeLease(queue, token, untilMs, nowMs);
  }

  releaseLease(queue: string, token: string) {
    return this.inner.releaseLease(queue, token);
  }

  head(queue: string, limit: number) {
    return this.inner.head(queue, limit);
  }

  settledMarker(...args: Parameters<MovementQueue<Write>["settledMarker"]>) {
    return this.inner.settledMarker(...args);
  }

  settle(...args: Parameters<MovementQueue<Write>["settle"]>) {
    return this.inner.settle(...args);
  }

  drop(...args: Parameters<MovementQueue<Write>["drop"]>) {
    return this.inner.drop(...args);
  }

  waiting(...args: Parameters<MovementQueue<Write>["waiting"]>) {
    return this.inner.waiting(...args);
  }

  async transact(writes: readonly Write[]): Promise<boolean> {
    const competitor = this.competitor;
    if (competitor?.when(writes)) {
      this.competitor = undefined;
      await competitor.run();
    }
    const committed = await this.inner.transact(writes);
    this.transactions.push({ writes, committed, atMs: this.clock.now() });
    this.clock.advance(this.tickMs);
    return committed;
  }

  /** Transactions that wrote (or tried to write) the account: folds. */
  foldsOf(accountId: string): Transaction[] {
    return this.transactions.filter((transaction) => writesAccount(transaction.writes, accountId));
  }

  /** Resolves once waiting requests have polled `count` times in all. */
  async polled(count: number): Promise<void> {
    for (let waited = 0; this.polls.length < count; waited += 5) {
      if (waited > 5_000) throw new Error(`only ${this.polls.length} polls of ${count}`);
      await sleep(5);
    }
  }
}

function writesAccount(writes: readonly Write[], accountId: string): boolean {
  const pk = `ACCOUNT#${accountId}`;
  return writes.some(
    (write) => write.Update?.Key?.pk?.S === pk && write.Update.Key.sk?.S === "ACCOUNT",
  );
}

const problemSchema = z.object({ type: z.string(), status: z.number() });

/** What a request answered, and what its use case itself did. */
interface Reply {
  readonly statusCode: number;
  readonly body: unknown;
  readonly replayed: boolean;
  /** What the use case returned, or threw (before the layer stored or replayed anything). */
  readonly ran: { readonly returned: unknown } | { readonly threw: unknown };
}

const thrown = (reply: Reply): unknown => ("threw" in reply.ran ? reply.ran.threw : undefined);
const problemOf = (reply: Reply) => problemSchema.parse(reply.body);

const markerItemSchema = z.object({
  key: z.string(),
  fingerprint: z.string(),
  status: z.enum(["queued", "settled"]),
  outcome: movementOutcomeSchema.optional(),
  expiresAt: z.number().int(),
});
const queuedItemSchema = z.object({ key: z.string(), seq: z.string(), movement: movementSchema });
const leaseItemSchema = z.object({ token: z.string(), leaseUntilMs: z.number().int() });
const heatSchema = z.object({ hotUntilMs: z.number().int().optional() });
const eventItemSchema = z.object({ type: z.string(), subject: z.string() });

/** One test's world: a caller, a clock, and the real queue, watched. */
function world() {
  const clock = manualClock(Date.now());
  const caller = `mover-${randomUUID()}`;
  const now = () => new Date(clock.now());
  const unwatched = new DynamoDbMovementQueue(table);
  const queue = new WatchedQueue(unwatched, clock);
  const idempotencyOptions = {
    store: dynamoDbStore(),
    strategy: IdempotencyStrategy.Commit,
    retentionSeconds: RETENTION_SECONDS,
    now: clock.now,
  };

  /** A request through the idempotency middleware and the problem renderer, as the routes run. */
  async function send(
    request: {
      readonly route: string;
      readonly path: string;
      readonly pathParameters?: Record<string, string>;
      readonly body: object;
      readonly key: string;
      readonly remainingMs?: number;
    },
    run: (ports: RequestPorts, commit: Commit<Write, HttpResult>) => Promise<HttpResult>,
  ): Promise<Reply> {
    let ran: Reply["ran"] = { threw: new Error("the use case did not run") };
    const handler = idempotentHandler<Write>(idempotencyOptions, async (_event, context) => {
      const handle = context.idempotency;
      if (!handle) throw new Error("the middleware handed no idempotency handle");
      const ports = {
        accounts,
        transfers,
        folding: foldingOf(queue, CONFIG, SETTINGS),
        now,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        correlationId: context.awsRequestId,
        identity: handle.identity,
      };
      try {
        const answer = await run(ports, handle.commit);
        ran = { returned: answer };
        return answer;
      } catch (error) {
        ran = { threw: error };
        throw error;
      }
    });
    const event = restApiEvent({
      method: "POST",
      route: request.route,
      path: request.path,
      ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
      body: JSON.stringify(request.body),
      sub: caller,
      idempotencyKey: request.key,
    });
    const response = await handler(
      event,
      lambdaContext(request.remainingMs ?? BUDGET_MS, clock.now),
    );
    return {
      statusCode: response.statusCode,
      body: JSON.parse(response.body),
      replayed: response.headers["idempotent-replayed"] === "true",
      ran,
    };
  }

  return {
    clock,
    caller,
    queue,
    /** The request's identity under the layer: its record's key, and its movement marker's. */
    recordKey: (key: string) => callerRecordKey(caller, key),

    async open(currency = "EUR"): Promise<string> {
      const account: Account = {
        id: newId(),
        ownerId: caller,
        name: null,
        currency,
        balance: 0,
        version: 1,
        createdAt: now().toISOString(),
      };
      expect(await table.transact([accounts.create(account)])).toBe(true);
      return account.id;
    },

    deposit(input: {
      readonly accountId: string;
      readonly amount: number;
      readonly key: string;
      readonly remainingMs?: number;
      readonly accountsPort?: DynamoDbAccountRepository;
    }): Promise<Reply> {
      const { accountId, amount, key, remainingMs } = input;
      return send(
        {
          route: "/accounts/{accountId}/deposits",
          path: `/accounts/${accountId}/deposits`,
          pathParameters: { accountId },
          body: { amount },
          key,
          ...(remainingMs === undefined ? {} : { remainingMs }),
        },
        async (ports, commit) => {
          const deposit = await createDeposit(
            { caller, accountId, amount },
            {
              ...ports,
              accounts: input.accountsPort ?? ports.accounts,
              commit: commitAsAnswer(commit, accountAnswers.createDeposit),
            },
          );
          return accountAnswers.createDeposit(deposit);
        },
      );
    },

    transfer(input: {
      readonly fromAccountId: string;
      readonly toAccountId: string;
      readonly amount: number;
      readonly key: string;
    }): Promise<Reply> {
      const { fromAccountId, toAccountId, amount, key } = input;
      return send(
        {
          route: "/transfers",
          path: "/transfers",
          body: { fromAccountId, toAccountId, amount },
          key,
        },
        async (ports, commit) => {
          const transfer = await createTransfer(
            { caller, fromAccountId, toAccountId, amount },
            { ...ports, commit: commitAsAnswer(commit, transferAnswers.createTransfer) },
          );
          return transferAnswers.createTransfer(transfer);
        },
      );
    },

    /**
     * Heats `accountId` the way production does: a deposit of `amount`,
     * queued, then folded (a fold marks the accounts it writes hot).
     */
    async heat(accountId: string, amount: number): Promise<void> {
      const key = `heat-${randomUUID()}`;
      const enqueued = await unwatched.enqueue(
        {
          queue: accountId,
          seq: newId(),
          key,
          movement: { type: "deposit", depositId: newId(), accountId, amount, correlationId: key },
          fingerprint: "heat",
          expiresAt: toEpochSeconds(clock.now()) + RETENTION_SECONDS,
        },
        clock.now(),
      );
      expect(enqueued).toEqual({ queued: true });
      const settled = await foldOnce(
        accountId,
        { accounts, transfers, queue: unwatched, now },
        SETTINGS,
      );
      expect(settled?.has(key)).toBe(true);
      expect(await hotUntilMs(accountId)).toBe(clock.now() + SETTINGS.hotMs);
    },

    async marker(key: string) {
      return table.get(
        { pk: `MOVEMENT#${callerRecordKey(caller, key)}`, sk: "MOVEMENT" },
        markerItemSchema,
      );
    },
  };
}

/** A request's ports but its commit, which is the use case's own (its answer's). */
type RequestPorts = Omit<MovementPorts<Write, never>, "commit">;

async function balanceOf(accountId: string): Promise<number | undefined> {
  return (await accounts.find(accountId))?.balance;
}

async function hotUntilMs(accountId: string): Promise<number> {
  const item = await table.get({ pk: `ACCOUNT#${accountId}`, sk: "ACCOUNT" }, heatSchema);
  return item?.hotUntilMs ?? 0;
}

async function entriesOf(accountId: string) {
  const { items } = await accounts.listEntries(accountId, { limit: 100 });
  return items.map((entry) => ledgerEntrySchema.parse(entry));
}

async function queuedIn(queue: string) {
  return table.queryPrefix(`QUEUE#${queue}`, undefined, queuedItemSchema, { limit: 100 });
}

async function leaseOf(queue: string) {
  return table.get({ pk: `FOLDER#${queue}`, sk: "LEASE" }, leaseItemSchema);
}

/** The outbox events about `subjects` (accounts: deposits; transfers: their ids). */
async function eventsAbout(subjects: readonly string[]) {
  const events: z.infer<typeof eventItemSchema>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await testClient().send(
      new ScanCommand({
        TableName: testEnvironment().dataTable,
        FilterExpression: `#kind = :outbox AND #subject IN (${subjects.map((_, index) => `:s${index}`).join(", ")})`,
        ExpressionAttributeNames: { "#kind": "kind", "#subject": "subject" },
        ExpressionAttributeValues: marshall({
          ":outbox": "outbox",
          ...Object.fromEntries(subjects.map((subject, index) => [`:s${index}`, subject])),
        }),
        ...(start ? { ExclusiveStartKey: marshall(start) } : {}),
      }),
    );
    events.push(...(page.Items ?? []).map((item) => eventItemSchema.parse(unmarshall(item))));
    start = page.LastEvaluatedKey ? unmarshall(page.LastEvaluatedKey) : undefined;
  } while (start);
  return events;
}

/**
 * The account's ledger: its entries' amounts (in any order) are
 * `amounts`, each balanceAfter is the running sum in ledger order, and the
 * balance and version are the last entry's.
 */
async function expectLedger(accountId: string, amounts: readonly number[]) {
  const entries = await entriesOf(accountId);
  expect(entries.map((entry) => entry.amount).sort((a, b) => a - b)).toEqual(
    [...amounts].sort((a, b) => a - b),
  );
  let running = 0;
  for (const entry of entries) {
    running += entry.amount;
    expect(entry.balanceAfter).toBe(running);
  }
  const account = await accounts.find(accountId);
  expect(account?.balance).toBe(running);
  expect(account?.version).toBe(1 + entries.length);
  return entries;
}

/** The one entry of a movement on an account: exactly one. */
async function onlyEntryOf(accountId: string, referenceId: string) {
  const entries = (await entriesOf(accountId)).filter((entry) => entry.referenceId === referenceId);
  expect(entries).toHaveLength(1);
  const [entry] = entries;
  if (!entry) throw new Error(`no entry of ${referenceId}`);
  return entry;
}

function depositOf(reply: Reply) {
  expect(reply.statusCode).toBe(201);
  return depositSchema.parse(reply.body);
}

/** The deposit id of the one movement waiting in `queue`. */
async function onlyQueuedDeposit(queue: string) {
  const queued = await queuedIn(queue);
  expect(queued).toHaveLength(1);
  const movement = queued[0]?.movement;
  if (movement?.type !== "deposit") throw new Error("expected one queued deposit");
  return movement;
}

describe("moveMoney: a queued movement that gave up is written once, whoever folds it", () => {
  it("1. is folded by the next deposit on the account, once; its retry answers it without a second entry", async () => {
    const w = world();
    const a = await w.open();
    await w.heat(a, 100);

    const gaveUp = await w.deposit({ accountId: a, amount: 5, key: "k1", remainingMs: GIVE_UP_MS });
    expect(gaveUp.statusCode).toBe(503);
    expect(thrown(gaveUp)).toBeInstanceOf(MovementPendingError);
    const waiting = await onlyQueuedDeposit(a);
    expect(waiting).toMatchObject({ accountId: a, amount: 5 });
    expect(await w.marker("k1")).toMatchObject({ status: "queued" });
    // 503: nothing stored under the key; the movement is all there is of the request.
    expect(await readRecord(w.recordKey("k1"))).toBeUndefined();
    expect(await balanceOf(a)).toBe(100);

    const next = depositOf(await w.deposit({ accountId: a, amount: 7, key: "k2" }));
    expect(next.amount).toBe(7);
    // One fold wrote both, in one transaction; the queue is empty and its lease released.
    const folds = w.queue.foldsOf(a).filter((fold) => fold.committed);
    expect(folds).toHaveLength(1);
    expect(await queuedIn(a)).toEqual([]);
    expect(await leaseOf(a)).toBeUndefined();
    const settled = await w.marker("k1");
    expect(settled?.status).toBe("settled");
    expect(settled?.outcome).toMatchObject({ status: "moved", result: { id: waiting.depositId } });
    const first = await onlyEntryOf(a, waiting.depositId);

    const retry = await w.deposit({ accountId: a, amount: 5, key: "k1" });
    const answered = depositOf(retry);
    expect(retry.replayed).toBe(false);
    expect(answered).toEqual(
      expect.objectContaining({ id: waiting.depositId, amount: 5, balance: first.balanceAfter }),
    );
    expect(answered).toEqual(settled?.outcome?.status === "moved" && settled.outcome.result);

    // Once more: the stored answer, byte for byte.
    const again = await w.deposit({ accountId: a, amount: 5, key: "k1" });
    expect(again.replayed).toBe(true);
    expect(again.body).toEqual(retry.body);

    const entries = await expectLedger(a, [100, 5, 7]);
    expect(next.balance).toBe(entries.find((entry) => entry.referenceId === next.id)?.balanceAfter);
    await onlyEntryOf(a, waiting.depositId);
    expect(w.queue.foldsOf(a).filter((fold) => fold.committed)).toHaveLength(1);
    expect(await queuedIn(a)).toEqual([]);
    expect(
      (await eventsAbout([a])).filter((event) => event.type === "account.deposited"),
    ).toHaveLength(3);
    expect(await readRecord(w.recordKey("k1"))).toMatchObject({ status: "COMPLETED" });
  });

  it.each([
    ["still hot", 0],
    ["cold again (its direct write meets the queued marker)", SETTINGS.hotMs + 1],
  ])(
    "2. is folded by its own retry when no one else writes the account, the account %s",
    async (_, coolMs) => {
      const w = world();
      const a = await w.open();
      await w.heat(a, 100);
      const gaveUp = await w.deposit({
        accountId: a,
        amount: 5,
        key: "k1",
        remainingMs: GIVE_UP_MS,
      });
      expect(thrown(gaveUp)).toBeInstanceOf(MovementPendingError);
      const waiting = await onlyQueuedDeposit(a);
      w.clock.advance(coolMs);
      expect((await hotUntilMs(a)) > w.clock.now()).toBe(coolMs === 0);

      const retry = await w.deposit({ accountId: a, amount: 5, key: "k1" });

      const answered = depositOf(retry);
      expect(retry.replayed).toBe(false);
      expect(answered).toMatchObject({
        id: waiting.depositId,
        accountId: a,
        amount: 5,
        balance: 105,
      });
      expect(w.queue.foldsOf(a).filter((fold) => fold.committed)).toHaveLength(1);
      const entries = await expectLedger(a, [100, 5]);
      expect((await onlyEntryOf(a, waiting.depositId)).balanceAfter).toBe(105);
      expect(entries).toHaveLength(2);
      expect(await queuedIn(a)).toEqual([]);
      expect(await leaseOf(a)).toBeUndefined();
      expect(await w.marker("k1")).toMatchObject({
        status: "settled",
        outcome: { status: "moved", result: answered },
      });
      expect(
        (await eventsAbout([a])).filter((event) => event.type === "account.deposited"),
      ).toHaveLength(2);
    },
  );
});

describe("moveMoney: a retry answers what the first attempt settled, whatever path it takes", () => {
  it("3. a first attempt written directly on a cold account; its retry on the account made hot moves nothing again", async () => {
    const w = world();
    const a = await w.open();
    expect(await hotUntilMs(a)).toBe(0);

    const first = await w.deposit({ accountId: a, amount: 40, key: "k" });
    const deposit = depositOf(first);
    expect(first.replayed).toBe(false);
    expect(deposit).toMatchObject({ accountId: a, amount: 40, balance: 40 });
    // Direct: no fold, and the marker was created settled in the same transaction.
    expect(w.queue.transactions).toEqual([]);
    expect(await w.marker("k")).toMatchObject({
      status: "settled",
      outcome: { status: "moved", result: deposit },
    });
    expect(await readRecord(w.recordKey("k"))).toMatchObject({ status: "COMPLETED" });

    await w.heat(a, 100);
    const transactionsBefore = w.queue.transactions.length;

    const retry = await w.deposit({ accountId: a, amount: 40, key: "k" });

    expect(retry.statusCode).toBe(201);
    expect(depositSchema.parse(retry.body)).toEqual(deposit);
    // The use case itself answered the first attempt's deposit (the marker), not a new one.
    expect("returned" in retry.ran).toBe(true);
    expect(retry.replayed).toBe(true);
    expect(w.queue.transactions).toHaveLength(transactionsBefore);
    expect(await queuedIn(a)).toEqual([]);
    await expectLedger(a, [40, 100]);
    await onlyEntryOf(a, deposit.id);
    expect(
      (await eventsAbout([a])).filter((event) => event.type === "account.deposited"),
    ).toHaveLength(2);
  });

  it("4. a transfer refused directly for insufficient funds stays refused when funds arrive and its retry finds the account hot", async () => {
    const w = world();
    const from = await w.open();
    const to = await w.open();
    depositOf(await w.deposit({ accountId: from, amount: 10, key: "fund" }));
    expect(await hotUntilMs(from)).toBe(0);

    const refused = await w.transfer({
      fromAccountId: from,
      toAccountId: to,
      amount: 50,
      key: "t",
    });

    expect(refused.statusCode).toBe(409);
    expect(refused.replayed).toBe(false);
    expect(problemOf(refused).type).toMatch(/insufficient-funds$/);
    expect(thrown(refused)).toBeInstanceOf(Refused);
    // The refusal is settled in the marker first (its own transaction, no account in it).
    const marker = await w.marker("t");
    expect(marker).toMatchObject({
      status: "settled",
      outcome: {
        status: "refused",
        refusal: {
          reason: "insufficient-funds",
          account: "source account",
          balance: 10,
          needed: 50,
        },
      },
    });
    expect(w.queue.transactions).toHaveLength(1);
    expect(w.queue.foldsOf(from)).toEqual([]);
    expect(await readRecord(w.recordKey("t"))).toMatchObject({ status: "COMPLETED" });

    await w.heat(from, 100);
    expect(await balanceOf(from)).toBe(110);

    const retry = await w.transfer({ fromAccountId: from, toAccountId: to, amount: 50, key: "t" });

    // The use case refused again, from the marker (not by folding a new movement).
    const again = thrown(retry);
    expect(again).toBeInstanceOf(Refused);
    expect(again instanceof Refused && again.refusal).toEqual(
      marker?.outcome?.status === "refused" && marker.outcome.refusal,
    );
    expect(retry.statusCode).toBe(409);
    expect(retry.body).toEqual(refused.body);
    await expectLedger(from, [10, 100]);
    await expectLedger(to, []);
    expect(await queuedIn(from < to ? from : to)).toEqual([]);
    expect(w.queue.foldsOf(to)).toEqual([]);
    expect(await w.marker("t")).toEqual(marker);
    expect((await entriesOf(from)).filter((entry) => entry.type === "transfer_out")).toEqual([]);
    expect((await eventsAbout([from, to])).map((event) => event.type).sort()).toEqual([
      "account.deposited",
      "account.deposited",
    ]);
  });
});

describe("moveMoney: a folder that died", () => {
  it("5. a deposit on the hot account waits out the dead folder's lease, then folds and commits", async () => {
    const w = world();
    const a = await w.open();
    await w.heat(a, 100);
    const leaseEndsMs = w.clock.now() + SETTINGS.leaseMs;
    expect(await w.queue.takeLease(a, "dead", leaseEndsMs, w.clock.now())).toBe(true);

    const waiting = w.deposit({ accountId: a, amount: 9, key: "k" });
    // While the clock is before the lease's end, it only polls: nothing is folded.
    await w.queue.polled(5);
    w.clock.advance(SETTINGS.leaseMs - 1);
    const pollsBefore = w.queue.polls.length;
    await w.queue.polled(pollsBefore + 3);
    expect(w.queue.polls.every((poll) => poll.status === "queued" && !poll.leaseFree)).toBe(true);
    expect(w.queue.foldsOf(a)).toEqual([]);
    expect(await w.marker("k")).toMatchObject({ status: "queued" });
    expect(await queuedIn(a)).toHaveLength(1);
    expect(await leaseOf(a)).toMatchObject({ token: "dead", leaseUntilMs: leaseEndsMs });
    expect(await balanceOf(a)).toBe(100);

    w.clock.set(leaseEndsMs + 1);
    const reply = await waiting;

    const deposit = depositOf(reply);
    expect(deposit).toMatchObject({ amount: 9, balance: 109 });
    const folds = w.queue.foldsOf(a);
    expect(folds).toHaveLength(1);
    expect(folds[0]?.committed).toBe(true);
    expect(folds[0]?.atMs).toBeGreaterThan(leaseEndsMs);
    // It saw the lease free only once the clock was past its end, then its marker settled.
    const freed = w.queue.polls.findIndex((poll) => poll.leaseFree);
    expect(freed).toBeGreaterThanOrEqual(pollsBefore + 3);
    expect(w.queue.polls[freed]).toEqual({ status: "queued", leaseFree: true });
    expect(w.queue.polls.at(-1)).toMatchObject({ status: "settled" });
    // Its own lease was released; the dead one is gone with it.
    expect(await leaseOf(a)).toBeUndefined();
    expect(await queuedIn(a)).toEqual([]);
    await expectLedger(a, [100, 9]);
    await onlyEntryOf(a, deposit.id);
    expect(await w.marker("k")).toMatchObject({
      status: "settled",
      outcome: { status: "moved", result: deposit },
    });
  });
});

describe("moveMoney: a key reused for another request", () => {
  it("6a. while its first movement is queued (its request gave up): 422, nothing moves", async () => {
    const w = world();
    const a = await w.open();
    await w.heat(a, 100);
    const gaveUp = await w.deposit({ accountId: a, amount: 5, key: "k", remainingMs: GIVE_UP_MS });
    expect(thrown(gaveUp)).toBeInstanceOf(MovementPendingError);
    const waiting = await onlyQueuedDeposit(a);
    const queuedMarker = await w.marker("k");

    const reused = await w.deposit({ accountId: a, amount: 6, key: "k" });

    expect(reused.statusCode).toBe(422);
    expect(thrown(reused)).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await queuedIn(a)).toEqual([expect.objectContaining({ movement: waiting })]);
    expect(await w.marker("k")).toEqual(queuedMarker);
    expect(w.queue.foldsOf(a)).toEqual([]);
    await expectLedger(a, [100]);
    expect((await w.deposit({ accountId: a, amount: 6, key: "k" })).statusCode).toBe(422);
    expect(await queuedIn(a)).toHaveLength(1);
    await expectLedger(a, [100]);
  });

  // Seen failing before the fix: the reuse's 422, thrown by the use case and
  // rendered by the problem renderer, was stored by the idempotency
  // middleware as the key's answer, bound to the REUSE's fingerprint (under
  // the commit strategy no record held the key yet, only the movement's
  // marker did). The first request's retry then folded its deposit (the
  // money moved) and its commit met that record: 422 on every retry for the
  // key's retention. The middleware no longer stores the layer's own errors
  // raised inside the handler.
  it("6a'. after a reuse answered 422, the queued request's own retry still answers its deposit", async () => {
    const w = world();
    const a = await w.open();
    await w.heat(a, 100);
    const gaveUp = await w.deposit({ accountId: a, amount: 5, key: "k", remainingMs: GIVE_UP_MS });
    expect(thrown(gaveUp)).toBeInstanceOf(MovementPendingError);
    const waiting = await onlyQueuedDeposit(a);
    expect((await w.deposit({ accountId: a, amount: 6, key: "k" })).statusCode).toBe(422);

    const retry = await w.deposit({ accountId: a, amount: 5, key: "k" });

    // Its deposit is made either way, exactly once...
    await expectLedger(a, [100, 5]);
    await onlyEntryOf(a, waiting.depositId);
    // ...but the retry is refused (the stored 422 of the reuse).
    expect({ status: retry.statusCode, body: retry.body }).toEqual({
      status: 201,
      body: expect.objectContaining({ id: waiting.depositId, balance: 105 }),
    });
  });

  it("6b. once its first movement is settled by a fold: 422, nothing moves", async () => {
    const w = world();
    const a = await w.open();
    await w.heat(a, 100);
    const first = depositOf(await w.deposit({ accountId: a, amount: 5, key: "k" }));
    expect(w.queue.foldsOf(a).filter((fold) => fold.committed)).toHaveLength(1);
    const settledMarker = await w.marker("k");
    expect(settledMarker).toMatchObject({ status: "settled", outcome: { result: first } });
    const foldsBefore = w.queue.foldsOf(a).length;

    const reused = await w.deposit({ accountId: a, amount: 6, key: "k" });

    expect(reused.statusCode).toBe(422);
    expect(thrown(reused)).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(w.queue.foldsOf(a)).toHaveLength(foldsBefore);
    expect(await queuedIn(a)).toEqual([]);
    expect(await w.marker("k")).toEqual(settledMarker);
    const retry = await w.deposit({ accountId: a, amount: 5, key: "k" });
    expect(retry.replayed).toBe(true);
    expect(depositSchema.parse(retry.body)).toEqual(first);
    await expectLedger(a, [100, 5]);
  });

  it("6c. once its first movement is settled directly: 422 on the cold account and on the hot one, nothing moves", async () => {
    const w = world();
    const a = await w.open();
    const first = depositOf(await w.deposit({ accountId: a, amount: 5, key: "k" }));
    const settledMarker = await w.marker("k");

    const cold = await w.deposit({ accountId: a, amount: 6, key: "k" });
    expect(cold.statusCode).toBe(422);
    await w.heat(a, 100);
    const hot = await w.deposit({ accountId: a, amount: 6, key: "k" });

    expect(hot.statusCode).toBe(422);
    expect(thrown(hot)).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await queuedIn(a)).toEqual([]);
    expect(await w.marker("k")).toEqual(settledMarker);
    await expectLedger(a, [5, 100]);
    expect(
      depositSchema.parse((await w.deposit({ accountId: a, amount: 5, key: "k" })).body),
    ).toEqual(first);
  });
});

describe("moveMoney: races with direct writes", () => {
  it("7. a fold that loses to a concurrent direct write of one of its accounts reads again and commits once", async () => {
    const w = world();
    const from = await w.open();
    const to = await w.open();
    await w.heat(from, 1_000);
    expect(await hotUntilMs(to)).toBe(0);
    let competitor: Reply | undefined;
    // Right before the fold's transaction: a deposit into the (cold) destination, written directly.
    w.queue.competeOnce(
      (writes) => writesAccount(writes, to),
      async () => {
        competitor = await w.deposit({ accountId: to, amount: 50, key: "direct" });
      },
    );

    const reply = await w.transfer({ fromAccountId: from, toAccountId: to, amount: 300, key: "t" });

    expect(reply.statusCode).toBe(201);
    const transfer = transferSchema.parse(reply.body);
    expect(transfer).toMatchObject({ fromAccountId: from, toAccountId: to, amount: 300 });
    const direct = competitor && depositOf(competitor);
    expect(direct).toMatchObject({ accountId: to, amount: 50, balance: 50 });
    // The first fold lost (the destination's version moved); the second read again and won.
    expect(w.queue.foldsOf(to).map((fold) => fold.committed)).toEqual([false, true]);
    await expectLedger(from, [1_000, -300]);
    const toEntries = await expectLedger(to, [50, 300]);
    expect(toEntries.map((entry) => entry.type)).toEqual(["deposit", "transfer_in"]);
    expect((await onlyEntryOf(to, transfer.id)).balanceAfter).toBe(350);
    expect((await onlyEntryOf(from, transfer.id)).balanceAfter).toBe(700);
    expect(await transfers.find(transfer.id)).toMatchObject({ id: transfer.id, amount: 300 });
    expect(await queuedIn(from < to ? from : to)).toEqual([]);
    expect(await w.marker("t")).toMatchObject({
      status: "settled",
      outcome: { status: "moved", result: transfer },
    });
    expect(await eventsAbout([transfer.id])).toHaveLength(1);
    // The fold heated the destination it wrote.
    expect(await hotUntilMs(to)).toBeGreaterThan(w.clock.now());
  });

  it("7b. a direct write that loses its race is queued and folded, once", async () => {
    const w = world();
    const a = await w.open();
    let competitor: Reply | undefined;
    const racing = afterFirstRead(accounts, ["findForMovement"], async () => {
      competitor = await w.deposit({ accountId: a, amount: 3, key: "other" });
    });

    const reply = await w.deposit({ accountId: a, amount: 20, key: "k", accountsPort: racing });

    const deposit = depositOf(reply);
    expect(competitor && depositOf(competitor)).toMatchObject({ amount: 3, balance: 3 });
    expect(deposit).toMatchObject({ amount: 20, balance: 23 });
    expect(w.queue.foldsOf(a).map((fold) => fold.committed)).toEqual([true]);
    await expectLedger(a, [3, 20]);
    await onlyEntryOf(a, deposit.id);
    expect(await queuedIn(a)).toEqual([]);
    expect(await w.marker("k")).toMatchObject({ status: "settled", outcome: { result: deposit } });
    expect(await hotUntilMs(a)).toBe(w.clock.now() + SETTINGS.hotMs);
  });

  // Seen failing before the fix: a queue entry did not expire but its marker
  // did; a movement left queued past retention whose key was then used again
  // left an entry whose settle could never succeed, and every later fold of
  // that queue was cancelled. Entries now carry their marker's end (a fold
  // drops a stale one unwritten) and settle only the marker of their own seq.
  it("7c. a movement left queued past retention, its key then used again, does not block its queue", async () => {
    const w = world();
    const a = await w.open();
    await w.heat(a, 100);
    const gaveUp = await w.deposit({ accountId: a, amount: 5, key: "k", remainingMs: GIVE_UP_MS });
    expect(thrown(gaveUp)).toBeInstanceOf(MovementPendingError);
    const stranded = await onlyQueuedDeposit(a);
    w.clock.advance((RETENTION_SECONDS + 1) * 1_000);
    // A day later the key is free again: its request, sent again, is written directly.
    const late = depositOf(await w.deposit({ accountId: a, amount: 5, key: "k" }));
    expect(late.id).not.toBe(stranded.depositId);
    expect(await queuedIn(a)).toEqual([expect.objectContaining({ key: w.recordKey("k") })]);
    await expectLedger(a, [100, 5]);

    // Then a deposit loses its direct race and is queued behind the stranded entry.
    w.queue.tickMs = 100;
    const racing = afterFirstRead(accounts, ["findForMovement"], async () => {
      depositOf(await w.deposit({ accountId: a, amount: 1, key: "other" }));
    });
    const queuedBehind = await w.deposit({
      accountId: a,
      amount: 7,
      key: "behind",
      remainingMs: 3_000,
      accountsPort: racing,
    });

    const folds = w.queue.foldsOf(a);
    expect({
      status: queuedBehind.statusCode,
      thrown: thrown(queuedBehind),
      foldsCommitted: folds.filter((fold) => fold.committed).length,
    }).toEqual({ status: 201, thrown: undefined, foldsCommitted: 1 });
    await expectLedger(a, [100, 5, 1, 7]);
  });
});

describe("foldOnce: a folder that remembers an account from its last fold", () => {
  it("does not refuse a transfer on the balance it remembers when the account was written since: it reads again", async () => {
    const w = world();
    const [a, b] = [await w.open(), await w.open()].sort() as [string, string];
    depositOf(await w.deposit({ accountId: b, amount: 100, key: "fund" }));
    // A folder of a's queue that last saw b holding 100 (the queue is a's: a < b).
    const stale = await accounts.find(b);
    if (!stale) throw new Error("no account b");
    const known = new Map([[b, stale]]);
    // Since then b received 1,000 directly, answered before the transfer was sent.
    depositOf(await w.deposit({ accountId: b, amount: 1_000, key: "topup" }));
    const transfer = {
      type: "transfer" as const,
      transfer: {
        id: newId(),
        fromAccountId: b,
        toAccountId: a,
        amount: 500,
        currency: "EUR",
        ownerId: w.caller,
      },
      correlationId: "c",
    };
    expect(
      await w.queue.enqueue(
        {
          queue: a,
          seq: newId(),
          key: "stale-check",
          movement: transfer,
          fingerprint: "f",
          expiresAt: toEpochSeconds(w.clock.now()) + RETENTION_SECONDS,
        },
        w.clock.now(),
      ),
    ).toEqual({ queued: true });
    const foldPorts = { accounts, transfers, queue: w.queue, now: () => new Date(w.clock.now()) };

    // Seen failing before every account read was conditioned on its version:
    // the fold refused on the remembered 100, and committed the refusal.
    const first = await foldOnce(a, foldPorts, SETTINGS, known);
    const second = await foldOnce(a, foldPorts, SETTINGS, known);

    expect(first?.size).toBe(0);
    expect(second?.has("stale-check")).toBe(true);
    expect(
      await table.get({ pk: "MOVEMENT#stale-check", sk: "MOVEMENT" }, markerItemSchema),
    ).toMatchObject({ status: "settled", outcome: { status: "moved" } });
    await expectLedger(b, [100, 1_000, -500]);
    await expectLedger(a, [500]);
  });
});
