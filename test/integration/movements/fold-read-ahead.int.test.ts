import { randomUUID } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { createDeposit } from "../../../functions/accounts/account-use-cases";
import { toEpochSeconds } from "../../../functions/idempotency/core/record";
import { DynamoDbMovementQueue } from "../../../functions/movements/dynamodb-movement-queue";
import { foldWhileLeased } from "../../../functions/movements/fold-queue";
import { foldingOf } from "../../../functions/movements/folding";
import type { QueuedMovement } from "../../../functions/movements/movement-queue";
import { testClient } from "../../support/dynamodb";
import { manualClock } from "../../support/manual-clock";
import {
  checkedLedgerOf,
  enqueueDeposit,
  markerOf as markerOfKey,
  openEmptyAccount,
  ownMovementStore,
  type QueuedDeposit,
  queuedIn as queuedInQueue,
  TEST_RETENTION_SECONDS as RETENTION_SECONDS,
  TEST_FOLD_SETTINGS as SETTINGS,
} from "../../support/movement-store";

/**
 * The read-ahead of `foldWhileLeased` (functions/movements/fold-queue.ts):
 * while a fold's transaction is in flight, the folder reads the queue's next
 * head (leaving out, by seq, what that transaction writes). On DynamoDB Local
 * through the real DataTable, queue and repositories, this file proves:
 *
 * 1. a busy queue is folded exactly once, in seq order, in exactly the folds
 *    the 100-item ceiling allows, each next head read started while the
 *    previous fold's transaction was still unresolved;
 * 2. an entry queued while a fold's transaction is in flight (after that
 *    fold's read-ahead returned without it) is folded by a later fold of the
 *    same run;
 * 3. a fold that loses its transaction (a direct deposit changed the account
 *    under it) drops its read-ahead: the next fold reads the head afresh and
 *    the ledger keeps the queue's order;
 * 4. a read-ahead that finds the queue empty is not the end: the folder reads
 *    the head afresh, and folds what was queued during its last transaction;
 * 5. a read-ahead that fails after its folder stopped is not left unhandled.
 *
 * Seen failing: test 1 with `readsAhead: false` in `foldWhileLeased`, test 3
 * without `folder.nextHead = undefined` on a lost fold, test 4 without the
 * fresh read after an empty read-ahead, test 5 without the read-ahead's catch.
 *
 * The test holds each queue's fold lease while it folds, as a folder does,
 * on a data table of this file's own.
 */

type Write = TransactWriteItem;

// Dozens of sequential writes and folds: seconds when the whole tier runs at once.
jest.setTimeout(60_000);

const CONFIG = { movementFolding: true, idempotencyRetentionSeconds: RETENTION_SECONDS } as const;
/** A lease that outlasts the test: every fold's bound is the queue being empty. */
const LEASE_MS = 3 * 3_600_000;

// The fold's arithmetic (fold-queue.ts): a deposit into the queue's own
// account costs 5 items (marker, queue entry, ledger entry, deposit, event),
// the account 1 per fold, at most 100 items: 1 + 19 × 5 = 96, a 20th would
// make 101. A fold reads a head of 24, and a read-ahead 24 + what the fold
// in flight writes (then leaves those out).
const PER_FOLD = 19;
const HEAD_READ = 24;
const itemsOfFold = (deposits: number) => 1 + 5 * deposits;

const store = ownMovementStore("fold-read-ahead-data");
const { table, accounts, transfers } = store;
afterAll(() => {
  testClient().destroy();
});

/** When a head read or a transaction of the queue started or resolved (n: its rank among its kind). */
interface Event {
  readonly call: "head" | "transact";
  readonly n: number;
  readonly at: "start" | "end";
}

/**
 * The real queue, recording the start and end of every head read and
 * transaction (in the order they happen), each head read's limit and result,
 * and each transaction's size and outcome. A test may run something once
 * right before the first transaction is sent, or once while a transaction is
 * in flight (after it committed on DynamoDB and after the head read started
 * alongside it returned, before the folder sees it resolve).
 */
class WatchedQueue extends DynamoDbMovementQueue {
  readonly events: Event[] = [];
  readonly heads: {
    readonly limit: number;
    readonly read: Promise<readonly QueuedMovement[]>;
  }[] = [];
  readonly transactions: { readonly items: number; readonly committed: boolean }[] = [];
  beforeFirstTransaction: (() => Promise<void>) | undefined;
  /** Head reads from this one on (by rank) fail, as a throttled or cut-off read would. */
  failHeadsFrom = Number.POSITIVE_INFINITY;
  whileTransactionInFlight: (() => Promise<void>) | undefined;
  private transactionsStarted = 0;

  override head(queue: string, limit: number): Promise<readonly QueuedMovement[]> {
    const n = this.heads.length;
    this.events.push({ call: "head", n, at: "start" });
    const read = super.head(queue, limit).then((head) => {
      this.events.push({ call: "head", n, at: "end" });
      if (n >= this.failHeadsFrom) throw new Error(`head read ${n} failed`);
      return head;
    });
    this.heads.push({ limit, read });
    return read;
  }

  override async transact(writes: readonly Write[]): Promise<boolean> {
    const n = this.transactionsStarted;
    this.transactionsStarted += 1;
    this.events.push({ call: "transact", n, at: "start" });
    const before = this.beforeFirstTransaction;
    this.beforeFirstTransaction = undefined;
    if (before) await before();
    const committed = await super.transact(writes);
    this.transactions.push({ items: writes.length, committed });
    const during = this.whileTransactionInFlight;
    this.whileTransactionInFlight = undefined;
    if (during) {
      // The folder started its read-ahead right after sending this transaction.
      await this.heads.at(-1)?.read;
      await during();
    }
    this.events.push({ call: "transact", n, at: "end" });
    return committed;
  }

  /** Where in `events` a call started or ended. */
  indexOf(call: Event["call"], n: number, at: Event["at"]): number {
    return this.events.findIndex(
      (event) => event.call === call && event.n === n && event.at === at,
    );
  }
}

const markerOf = (key: string) => markerOfKey(store, key);
const queuedIn = (queue: string) => queuedInQueue(store, queue);

/** A deposit the test queued, in the order of its seq. */
type Queued = QueuedDeposit;

/** One test's world: a clock, an account of its own, its queue watched, its lease held. */
async function world() {
  const clock = manualClock(Date.now());
  const owner = `read-ahead-${randomUUID()}`;
  const accountId = await openEmptyAccount(store, owner, clock.now());
  const queue = new WatchedQueue(table);
  // The test is the queue's folder: its lease keeps other files' reconcilers off it.
  expect(await queue.takeLease(accountId, "test", clock.now() + LEASE_MS, clock.now())).toBe(true);
  const queued: Queued[] = [];

  return {
    clock,
    owner,
    accountId,
    queue,
    queued,

    /**
     * Queues a deposit into the account at the next seq. Seqs are padded
     * counters, not ulids: ulids made in one millisecond are not in order,
     * and the test needs its arrival order to be the order it made them in.
     */
    async enqueue(amount: number): Promise<Queued> {
      const one = await enqueueDeposit(queue, {
        accountId,
        amount,
        key: `read-ahead-${randomUUID()}`,
        seq: String(queued.length).padStart(4, "0"),
        expiresAt: toEpochSeconds(clock.now()) + RETENTION_SECONDS,
        nowMs: clock.now(),
      });
      queued.push(one);
      return one;
    },

    /**
     * The folder's run over the account's queue: a far lease, plenty of time.
     * @param enough when the folder stops after a fold (never, by default)
     */
    fold(enough?: () => boolean): Promise<number> {
      return foldWhileLeased(
        accountId,
        {
          accounts,
          transfers,
          queue,
          now: () => new Date(clock.now()),
          remainingTimeMs: () => 60_000,
        },
        SETTINGS,
        {
          leaseEndsMs: clock.now() + LEASE_MS,
          marginMs: SETTINGS.pollMs,
          reserveMs: 1_000,
          ...(enough ? { enough } : {}),
        },
      );
    },

    /** `fold`, then the lease let go, whatever the fold did. */
    async foldThenRelease(enough?: () => boolean): Promise<number> {
      try {
        return await this.fold(enough);
      } finally {
        await queue.releaseLease(accountId, "test");
      }
    },
  };
}

/**
 * Queues deposits of 1 to `count`, then folds them; while the first fold's
 * transaction is in flight (for the folder), once its read-ahead has
 * returned, a deposit of 1,000 arrives. The lease is let go after.
 */
async function foldWithLateDeposit(
  w: Awaited<ReturnType<typeof world>>,
  count: number,
): Promise<{ settled: number; late: Queued }> {
  for (let index = 0; index < count; index += 1) await w.enqueue(index + 1);
  let late: Queued | undefined;
  w.queue.whileTransactionInFlight = async () => {
    late = await w.enqueue(1_000);
  };
  const settled = await w.foldThenRelease();
  if (!late) throw new Error("the late deposit was not queued");
  return { settled, late };
}

/** The account's entries: each balanceAfter the running sum, the balance and version the last one's. */
const ledgerOf = (accountId: string) => checkedLedgerOf(store, accountId);

/** Every queued deposit settled moved, with its own deposit. */
async function expectSettled(queued: readonly Queued[]) {
  for (const one of queued) {
    expect(await markerOf(one.key)).toMatchObject({
      status: "settled",
      outcome: { status: "moved", result: { id: one.depositId, amount: one.amount } },
    });
  }
}

/** How many folds `count` deposits take, and the items of each. */
function foldsOf(count: number): number[] {
  const folds: number[] = [];
  for (let left = count; left > 0; left -= PER_FOLD)
    folds.push(itemsOfFold(Math.min(left, PER_FOLD)));
  return folds;
}

describe("foldWhileLeased: reading the next head while a fold's transaction is in flight", () => {
  it("1. folds a busy queue exactly once, in seq order, in the folds the item ceiling allows, each next head read started before the previous transaction resolved", async () => {
    const w = await world();
    const COUNT = 45;
    for (let index = 0; index < COUNT; index += 1) await w.enqueue(index + 1);

    const settled = await w.foldThenRelease();

    expect(settled).toBe(COUNT);
    // 45 = 19 + 19 + 7: three transactions of 96, 96 and 36 items, none refused.
    expect(foldsOf(COUNT)).toEqual([96, 96, 36]);
    expect(w.queue.transactions).toEqual(
      foldsOf(COUNT).map((items) => ({ items, committed: true })),
    );
    // Head read n + 1 (the next fold's, or for the last fold the one that
    // finds the queue empty) started after transaction n was sent and before
    // the folder saw it resolve. Without read-ahead it starts only after.
    const overlaps = w.queue.transactions.map(
      (_, n) =>
        w.queue.indexOf("transact", n, "start") < w.queue.indexOf("head", n + 1, "start") &&
        w.queue.indexOf("head", n + 1, "start") < w.queue.indexOf("transact", n, "end"),
    );
    expect(overlaps).toEqual([true, true, true]);
    // One head read per fold and the last one's, and, that read ahead
    // finding the queue empty, one afresh before the folder stops: a
    // read-ahead asks for what its fold in flight writes on top of a head.
    expect(w.queue.heads.map((head) => head.limit)).toEqual([
      HEAD_READ,
      HEAD_READ + PER_FOLD,
      HEAD_READ + PER_FOLD,
      HEAD_READ + (COUNT - 2 * PER_FOLD),
      HEAD_READ,
    ]);

    expect(await queuedIn(w.accountId)).toEqual([]);
    const entries = await ledgerOf(w.accountId);
    expect(entries.map((entry) => entry.referenceId)).toEqual(w.queued.map((one) => one.depositId));
    expect(entries.map((entry) => entry.amount)).toEqual(w.queued.map((one) => one.amount));
    expect(entries.at(-1)?.balanceAfter).toBe((COUNT * (COUNT + 1)) / 2);
    await expectSettled(w.queued);
  });

  it("2. folds, in a later fold of the same run, an entry queued while a fold's transaction was in flight after its read-ahead returned", async () => {
    const w = await world();
    const COUNT = 20;
    // The first fold writes 19; its read-ahead finds the 20th only.
    const { settled, late } = await foldWithLateDeposit(w, COUNT);
    const lateKey = late.key;
    expect(settled).toBe(COUNT + 1);
    // The read-ahead of the first fold did not see it (what it read, less the
    // 19 that fold was writing, as the folder filters it)...
    const inFirstFold = new Set(w.queued.slice(0, PER_FOLD).map((one) => one.seq));
    const readAhead = await w.queue.heads[1]?.read;
    expect(readAhead?.filter((one) => !inFirstFold.has(one.seq)).map((one) => one.seq)).toEqual([
      w.queued[COUNT - 1]?.seq,
    ]);
    expect(readAhead?.some((one) => one.key === lateKey)).toBe(false);
    // ...so the second fold wrote the 20th alone, and the third the late one.
    expect(w.queue.transactions).toEqual([
      { items: itemsOfFold(PER_FOLD), committed: true },
      { items: itemsOfFold(1), committed: true },
      { items: itemsOfFold(1), committed: true },
    ]);
    const thirdHead = await w.queue.heads[2]?.read;
    expect(
      thirdHead?.filter((one) => one.seq !== w.queued[COUNT - 1]?.seq).map((one) => one.key),
    ).toEqual([lateKey]);

    expect(await queuedIn(w.accountId)).toEqual([]);
    const entries = await ledgerOf(w.accountId);
    expect(entries.map((entry) => entry.referenceId)).toEqual(w.queued.map((one) => one.depositId));
    expect(entries.filter((entry) => entry.referenceId === late.depositId)).toHaveLength(1);
    expect(entries.at(-1)?.balanceAfter).toBe((COUNT * (COUNT + 1)) / 2 + 1_000);
    await expectSettled(w.queued);
  });

  it("3. drops the read-ahead of a fold that lost its transaction: the next fold reads the head again, and the ledger keeps the queue's order", async () => {
    const w = await world();
    const COUNT = 45;
    for (let index = 0; index < COUNT; index += 1) await w.enqueue(index + 1);
    const DIRECT = 10_000;
    let directId: string | undefined;
    // Right before the first fold's transaction: a deposit into the account,
    // written directly (the account is cold: no fold has written it yet)
    // through the deposit use case, its writes committed on the table. The
    // account's version moves, so the fold's transaction loses.
    w.queue.beforeFirstTransaction = async () => {
      const unwatched = new DynamoDbMovementQueue(table);
      const deposit = await createDeposit(
        { caller: w.owner, accountId: w.accountId, amount: DIRECT },
        {
          accounts,
          transfers,
          folding: foldingOf(unwatched, CONFIG, SETTINGS),
          now: () => new Date(w.clock.now()),
          remainingTimeMs: () => 60_000,
          correlationId: "direct",
          identity: { pk: `direct-${randomUUID()}`, fingerprint: "direct" },
          commit: async (writes, result) => {
            if (!(await table.transact(writes))) throw new Error("the direct deposit lost");
            return result;
          },
        },
      );
      expect(deposit).toMatchObject({ amount: DIRECT, balance: DIRECT });
      directId = deposit.id;
    };

    const settled = await w.foldThenRelease();

    // One refused transaction (the first fold's 19), then 19 + 19 + 7.
    expect(w.queue.transactions).toEqual([
      { items: itemsOfFold(PER_FOLD), committed: false },
      ...foldsOf(COUNT).map((items) => ({ items, committed: true })),
    ]);
    expect(settled).toBe(COUNT);
    expect(await queuedIn(w.accountId)).toEqual([]);
    await expectSettled(w.queued);
    // The lost fold's read-ahead (entries 19 to 42, leaving out the 0 to 18
    // it was writing) is no head to fold next: those 19 were not written
    // after all. Folded anyway, the second fold would write 19 to 37 before
    // 0 to 18, and the ledger would no longer be the queue's order.
    const entries = await ledgerOf(w.accountId);
    expect(entries.map((entry) => entry.referenceId)).toEqual([
      directId,
      ...w.queued.map((one) => one.depositId),
    ]);
    expect(entries.at(-1)?.balanceAfter).toBe(DIRECT + (COUNT * (COUNT + 1)) / 2);
    // The head read after the loss is a fresh one (a head's limit), not a read-ahead.
    expect(w.queue.heads.map((head) => head.limit)).toEqual([
      HEAD_READ,
      HEAD_READ + PER_FOLD,
      HEAD_READ,
      HEAD_READ + PER_FOLD,
      HEAD_READ + PER_FOLD,
      HEAD_READ + (COUNT - 2 * PER_FOLD),
      HEAD_READ,
    ]);
  });

  it("4. does not stop on a head read ahead that found the queue empty: what was queued during the last transaction is folded in the same run", async () => {
    const w = await world();
    const COUNT = 5;
    // One fold writes all five; its read-ahead finds nothing else.
    const { settled, late } = await foldWithLateDeposit(w, COUNT);
    // Seen failing when an empty read-ahead stopped the folder: 5, the late one left queued.
    expect(settled).toBe(COUNT + 1);
    expect((await w.queue.heads[1]?.read)?.some((one) => one.key === late.key)).toBe(false);
    expect(w.queue.heads.map((head) => head.limit)).toEqual([
      HEAD_READ,
      HEAD_READ + COUNT,
      HEAD_READ,
      HEAD_READ + 1,
      HEAD_READ,
    ]);
    expect(w.queue.transactions).toEqual([
      { items: itemsOfFold(COUNT), committed: true },
      { items: itemsOfFold(1), committed: true },
    ]);
    expect(await queuedIn(w.accountId)).toEqual([]);
    const entries = await ledgerOf(w.accountId);
    expect(entries.map((entry) => entry.referenceId)).toEqual(w.queued.map((one) => one.depositId));
    await expectSettled(w.queued);
  });

  it("5. a folder that stops with a head read ahead still pending, which then fails: the fold stands, and the failure is not left unhandled (it would end a Lambda runtime)", async () => {
    const w = await world();
    const COUNT = 3;
    for (let index = 0; index < COUNT; index += 1) await w.enqueue(index + 1);
    // The read-ahead of the one fold fails; the folder has enough after that fold.
    w.queue.failHeadsFrom = 1;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const settled = await w.foldThenRelease(() => true);
      await w.queue.heads[1]?.read.catch(() => undefined);
      // Node reports an unhandled rejection after the microtasks of the turn it happened in.
      await new Promise((resolve) => setImmediate(resolve));

      expect(settled).toBe(COUNT);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(w.queue.heads.map((head) => head.limit)).toEqual([HEAD_READ, HEAD_READ + COUNT]);
    expect(await queuedIn(w.accountId)).toEqual([]);
    await expectSettled(w.queued);
  });
});
