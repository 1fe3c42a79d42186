import { randomUUID } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { depositSchema } from "../../../functions/accounts/account";
import { accountAnswers } from "../../../functions/accounts/account-answers";
import { createDeposit } from "../../../functions/accounts/account-use-cases";
import { newId } from "../../../functions/domain/primitives";
import { IdempotencyStrategy } from "../../../functions/idempotency";
import { toEpochSeconds } from "../../../functions/idempotency/core/record";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { DynamoDbMovementQueue } from "../../../functions/movements/dynamodb-movement-queue";
import { foldOnce } from "../../../functions/movements/fold-queue";
import { foldingOf } from "../../../functions/movements/folding";
import { commitAsAnswer } from "../../../functions/shared/write-ports";
import { dynamoDbStore, readRecord, testClient } from "../../support/dynamodb";
import { idempotentHandler } from "../../support/idempotent-handler";
import { lambdaContext, restApiEvent } from "../../support/lambda-fixtures";
import { type ManualClock, manualClock } from "../../support/manual-clock";
import {
  checkedLedgerOf,
  enqueueDeposit as enqueueDepositOn,
  markerOf as markerOfKey,
  openEmptyAccount,
  ownMovementStore,
  queuedIn as queuedInQueue,
  TEST_RETENTION_SECONDS as RETENTION_SECONDS,
  TEST_FOLD_SETTINGS as SETTINGS,
} from "../../support/movement-store";

/**
 * Two edges of folding (functions/movements/), on DynamoDB Local through the
 * real queue and repositories:
 *
 * - a fold never sends more than DynamoDB's 100 items in its transaction,
 *   whatever stale entries (past their marker's end, dropped unwritten) sit
 *   among the live ones at its queue's head; successive folds empty the queue;
 * - a waiting request whose marker a fold settled just before the marker's
 *   end still answers the outcome when it next polls after that end (201
 *   with its deposit, not 503).
 *
 * The test itself holds each queue's fold lease while it folds, as a folder
 * does, on a data table of this file's own.
 */

type Write = TransactWriteItem;

// Dozens of sequential writes and folds: seconds when the whole tier runs at once.
jest.setTimeout(60_000);

/** DynamoDB's ceiling on the items of one TransactWriteItems. */
const MAX_TRANSACTION_ITEMS = 100;

const store = ownMovementStore("fold-edges-data");
const { table, accounts, transfers } = store;
afterAll(() => {
  testClient().destroy();
});

/** The real queue, counting the items of every transaction it sends and what polls saw. */
class WatchedQueue extends DynamoDbMovementQueue {
  readonly transactions: { readonly items: number; readonly committed: boolean }[] = [];
  readonly polls: { readonly nowMs: number; readonly status: string | undefined }[] = [];
  /** Run once, right after the first poll that finds its marker still queued. */
  afterQueuedPoll: (() => Promise<void>) | undefined;

  override async transact(writes: readonly Write[]): Promise<boolean> {
    const committed = await super.transact(writes);
    this.transactions.push({ items: writes.length, committed });
    return committed;
  }

  override async poll(key: string, queue: string, nowMs: number) {
    const polled = await super.poll(key, queue, nowMs);
    this.polls.push({ nowMs, status: polled.marker?.status });
    const hook = this.afterQueuedPoll;
    if (hook && polled.marker?.status === "queued") {
      this.afterQueuedPoll = undefined;
      await hook();
    }
    return polled;
  }
}

const open = (clock: ManualClock, ownerId: string) => openEmptyAccount(store, ownerId, clock.now());

/** Queues a deposit into `accountId` on its own queue at `seq`; its id. */
async function enqueueDeposit(
  queue: DynamoDbMovementQueue,
  clock: ManualClock,
  entry: { accountId: string; key: string; seq: string; amount: number; expiresAt: number },
): Promise<string> {
  return (await enqueueDepositOn(queue, { ...entry, nowMs: clock.now() })).depositId;
}

const markerOf = (key: string) => markerOfKey(store, key);
const queuedIn = (queue: string) => queuedInQueue(store, queue);

/** The account's entries: each balanceAfter the running sum, the balance the last one's. */
const ledgerOf = (accountId: string) => checkedLedgerOf(store, accountId);

describe("foldOnce: stale entries count towards the transaction's 100 items", () => {
  // A deposit into the queue's own account costs 5 items (marker, queue entry,
  // ledger entry, deposit, event) plus the account once per fold: 19 deposits
  // make 96 items, 24 (the head a fold reads) would make 121. A stale entry
  // costs 1 (its queue entry's delete). Live entries then stale ones (a
  // later entry whose marker ends sooner: a shorter retention, or its
  // writer's clock behind) is the order in which a stale entry added without
  // checking the ceiling pushes a full fold over 100; stale ones first is the
  // other order (over 100 only if stale entries are not counted at all).
  const LIVE_FIRST = {
    layout: ["live", 19, "stale", 5, "live", 3],
    // 96 + 4 stale (100: the 5th stale waits), then 1 stale + account + 3 × 5.
    transactions: [100, 17],
    settledPerFold: [19, 3],
  } as const;
  const STALE_FIRST = {
    layout: ["stale", 5, "live", 22],
    // 5 stale + 1 + 18 × 5 (the 19th deposit would make 101), then 1 + 4 × 5.
    transactions: [96, 21],
    settledPerFold: [18, 4],
  } as const;

  it.each([
    ["live entries, then stale ones, then live ones", LIVE_FIRST],
    ["stale entries, then live ones", STALE_FIRST],
  ])(
    "a head of %s: every fold at most 100 items, each live deposit settled once, each stale entry dropped unwritten",
    async (_, scenario) => {
      const clock = manualClock(Date.now());
      const owner = `folder-${randomUUID()}`;
      const a = await open(clock, owner);
      const queue = new WatchedQueue(table);
      // The test is the queue's folder: its lease keeps other files' reconcilers off it.
      expect(await queue.takeLease(a, "test", clock.now() + 3 * 3_600_000, clock.now())).toBe(true);

      const nowSeconds = toEpochSeconds(clock.now());
      const live: { key: string; depositId: string; amount: number }[] = [];
      const stale: { key: string; depositId: string }[] = [];
      let seq = 0;
      const layout: readonly (string | number)[] = scenario.layout;
      for (let index = 0; index < layout.length; index += 2) {
        const kind = layout[index];
        const count = Number(layout[index + 1]);
        for (let n = 0; n < count; n += 1) {
          const key = `fold-edge-${randomUUID()}`;
          // Padded: a queue is sorted by seq, so this is its arrival order.
          const at = String(seq).padStart(3, "0");
          seq += 1;
          if (kind === "live") {
            const amount = live.length + 1;
            const depositId = await enqueueDeposit(queue, clock, {
              accountId: a,
              key,
              seq: at,
              amount,
              expiresAt: nowSeconds + RETENTION_SECONDS,
            });
            live.push({ key, depositId, amount });
          } else {
            // Its marker ends in an hour: stale once the clock has moved two.
            const depositId = await enqueueDeposit(queue, clock, {
              accountId: a,
              key,
              seq: at,
              amount: 1_000,
              expiresAt: nowSeconds + 3_600,
            });
            stale.push({ key, depositId });
          }
        }
      }
      clock.advance(2 * 3_600_000);
      const ports = { accounts, transfers, queue, now: () => new Date(clock.now()) };

      const settledPerFold: number[] = [];
      for (let folds = 0; folds < 10; folds += 1) {
        const settled = await foldOnce(a, ports, SETTINGS);
        if (!settled) break;
        settledPerFold.push(settled.size);
      }
      await queue.releaseLease(a, "test");

      expect(queue.transactions).toEqual(
        scenario.transactions.map((items) => ({ items, committed: true })),
      );
      expect(
        queue.transactions.every((transaction) => transaction.items <= MAX_TRANSACTION_ITEMS),
      ).toBe(true);
      expect(settledPerFold).toEqual(scenario.settledPerFold);
      expect(await queuedIn(a)).toEqual([]);
      // Every live deposit written once, in queue order; no stale one written.
      const entries = await ledgerOf(a);
      expect(entries.map((entry) => entry.referenceId)).toEqual(live.map((one) => one.depositId));
      expect(entries.map((entry) => entry.amount)).toEqual(live.map((one) => one.amount));
      for (const one of live) {
        expect(await markerOf(one.key)).toMatchObject({
          status: "settled",
          outcome: { status: "moved", result: { id: one.depositId, amount: one.amount } },
        });
      }
      for (const one of stale) {
        expect(await markerOf(one.key)).toMatchObject({ status: "queued" });
      }
    },
  );
});

describe("a marker settled just before its end", () => {
  /** Markers of these requests end this soon: the clock can pass it within a request's time. */
  const MARKER_SECONDS = 2;

  it("is what poll answers after that end, settled with its outcome", async () => {
    const clock = manualClock(Date.now());
    const a = await open(clock, `poller-${randomUUID()}`);
    const queue = new WatchedQueue(table);
    expect(await queue.takeLease(a, "test", clock.now() + 60_000, clock.now())).toBe(true);
    const key = `poll-${randomUUID()}`;
    const expiresAt = toEpochSeconds(clock.now()) + MARKER_SECONDS;
    const depositId = await enqueueDeposit(queue, clock, {
      accountId: a,
      key,
      seq: newId(),
      amount: 12,
      expiresAt,
    });
    const settled = await foldOnce(
      a,
      { accounts, transfers, queue, now: () => new Date(clock.now()) },
      SETTINGS,
    );
    expect(settled?.has(key)).toBe(true);

    clock.advance((MARKER_SECONDS + 1) * 1_000);
    expect(toEpochSeconds(clock.now())).toBeGreaterThan(expiresAt);
    const polled = await queue.poll(key, a, clock.now());
    await queue.releaseLease(a, "test");

    expect(polled.marker).toMatchObject({
      key,
      fingerprint: "f",
      status: "settled",
      outcome: { status: "moved", result: { id: depositId, amount: 12, balance: 12 } },
    });
    expect(polled.leaseFree).toBe(false);
  });

  it("answers its waiting request 201 with the deposit when the request polls after the end, not 503", async () => {
    const clock = manualClock(Date.now());
    const caller = `waiter-${randomUUID()}`;
    const a = await open(clock, caller);
    const queue = new WatchedQueue(table);
    const now = () => new Date(clock.now());
    // Another folder holds the queue: the request waits and polls, it does not fold.
    expect(await queue.takeLease(a, "other", clock.now() + 60_000, clock.now())).toBe(true);
    // The account is hot (a fold wrote it lately): the request's deposit is queued.
    const heatKey = `heat-${randomUUID()}`;
    await enqueueDeposit(queue, clock, {
      accountId: a,
      key: heatKey,
      seq: newId(),
      amount: 100,
      expiresAt: toEpochSeconds(clock.now()) + RETENTION_SECONDS,
    });
    expect((await foldOnce(a, { accounts, transfers, queue, now }, SETTINGS))?.has(heatKey)).toBe(
      true,
    );
    const key = randomUUID();
    const identity = callerRecordKey(caller, key);
    let expiresAt = 0;
    // The other folder settles the request's movement right after a poll that saw it queued;
    // then, before the request looks again, the clock passes the marker's end.
    queue.afterQueuedPoll = async () => {
      const marker = await markerOf(identity);
      expiresAt = marker?.expiresAt ?? 0;
      expect(
        (await foldOnce(a, { accounts, transfers, queue, now }, SETTINGS))?.has(identity),
      ).toBe(true);
      clock.set((expiresAt + 1) * 1_000);
    };

    const handler = idempotentHandler<Write>(
      {
        store: dynamoDbStore(),
        strategy: IdempotencyStrategy.Commit,
        retentionSeconds: RETENTION_SECONDS,
        now: clock.now,
      },
      async (_event, context) => {
        const handle = context.idempotency;
        if (!handle) throw new Error("the middleware handed no idempotency handle");
        const deposit = await createDeposit(
          { caller, accountId: a, amount: 9 },
          {
            accounts,
            transfers,
            folding: foldingOf(
              queue,
              { movementFolding: true, idempotencyRetentionSeconds: RETENTION_SECONDS },
              { ...SETTINGS, retentionSeconds: MARKER_SECONDS },
            ),
            now,
            remainingTimeMs: () => context.getRemainingTimeInMillis(),
            correlationId: context.awsRequestId,
            identity: handle.identity,
            commit: commitAsAnswer(handle.commit, accountAnswers.createDeposit),
          },
        );
        return accountAnswers.createDeposit(deposit);
      },
    );
    const send = () =>
      handler(
        restApiEvent({
          method: "POST",
          route: "/accounts/{accountId}/deposits",
          path: `/accounts/${a}/deposits`,
          pathParameters: { accountId: a },
          body: JSON.stringify({ amount: 9 }),
          sub: caller,
          idempotencyKey: key,
        }),
        lambdaContext(20_000, clock.now),
      );

    const response = await send();
    await queue.releaseLease(a, "other");

    expect({ status: response.statusCode, body: JSON.parse(response.body) }).toEqual({
      status: 201,
      body: expect.objectContaining({ accountId: a, amount: 9, balance: 109 }),
    });
    const deposit = depositSchema.parse(JSON.parse(response.body));
    // It saw its marker queued, then (the clock past the marker's end) settled.
    expect(queue.polls.map((poll) => poll.status)).toEqual(["queued", "settled"]);
    expect(queue.polls[1]?.nowMs).toBeGreaterThan(expiresAt * 1_000);
    expect(await markerOf(identity)).toMatchObject({
      status: "settled",
      outcome: { status: "moved", result: deposit },
    });
    const entries = await ledgerOf(a);
    expect(entries.map((entry) => entry.amount)).toEqual([100, 9]);
    expect(entries[1]?.referenceId).toBe(deposit.id);
    expect(await queuedIn(a)).toEqual([]);
    expect(await readRecord(identity)).toMatchObject({ status: "COMPLETED" });
    // Its retry replays the stored answer.
    const retry = await send();
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(JSON.parse(retry.body)).toEqual(JSON.parse(response.body));
  });
});
