import { randomUUID } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { ledgerEntrySchema } from "../../../functions/accounts/account";
import { newId } from "../../../functions/domain/primitives";
import { toEpochSeconds } from "../../../functions/idempotency/core/record";
import { DynamoDbMovementQueue } from "../../../functions/movements/dynamodb-movement-queue";
import { foldingOf } from "../../../functions/movements/folding";
import { foldWaitingMovements } from "../../../functions/reconciler/fold-waiting-movements";
import type { Logger } from "../../../functions/shared/observability/logger";
import { testClient } from "../../support/dynamodb";
import { manualClock } from "../../support/manual-clock";
import {
  enqueueDeposit,
  markerOf,
  openEmptyAccount,
  ownMovementStore,
  queuedIn,
  TEST_RETENTION_SECONDS as RETENTION_SECONDS,
  TEST_FOLD_SETTINGS as SETTINGS,
} from "../../support/movement-store";

/**
 * The reconciler's fold of queued movements nobody folds
 * (functions/reconciler/fold-waiting-movements.ts), on DynamoDB Local through
 * the real queue and repositories: one queue whose fold throws (its movement
 * names an account that does not exist) is counted as failed and logged,
 * and the queues after it in the same run are folded all the same.
 *
 * The data table is this file's own: a reconciler run sees every queue of
 * its table, and a failing queue left in the shared one would count as
 * failed in another file's run. The movements are queued at moments long
 * past (epoch ms in the thousands) all the same, and the failing queue's
 * entry is deleted right after.
 */

type Write = TransactWriteItem;

// Dozens of sequential writes and folds: seconds when the whole tier runs at once.
jest.setTimeout(60_000);

/** What the run folds: movements queued before this (epoch ms). */
const BEFORE_MS = 1_000_000;

/** This file's own data table (see above). */
const store = ownMovementStore("fold-waiting-movements-data");
const { table, accounts, transfers } = store;
afterAll(() => {
  testClient().destroy();
});

const leaseItemSchema = z.object({ token: z.string() });

/** A logger that keeps what it was told. */
function recordingLogger() {
  const lines: { level: string; message: string; attributes: Record<string, unknown>[] }[] = [];
  const at =
    (level: string) =>
    (message: string, ...attributes: Record<string, unknown>[]) => {
      lines.push({ level, message, attributes });
    };
  const logger: Logger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

describe("foldWaitingMovements: one queue that cannot be folded", () => {
  it("is counted as failed and logged; the queues after it in the run are folded, each movement once", async () => {
    const clock = manualClock(Date.now());
    const owner = `reconciled-${randomUUID()}`;
    const open = () => openEmptyAccount(store, owner, clock.now());
    const first = await open();
    const last = await open();
    // An account that does not exist: its queue's fold throws when it reads it.
    const missing = newId();
    const queue = new DynamoDbMovementQueue(table);
    /** Queues a deposit into `accountId` on its own queue, as if at `sinceMs`. */
    const enqueue = (accountId: string, amount: number, sinceMs: number) =>
      enqueueDeposit(queue, {
        accountId,
        amount,
        key: `waiting-${randomUUID()}`,
        seq: newId(),
        expiresAt: toEpochSeconds(clock.now()) + RETENTION_SECONDS,
        nowMs: sinceMs,
      });
    // Oldest first: the run takes the failing queue between the two others.
    const firstDeposit = await enqueue(first, 10, 1_000);
    const broken = await enqueue(missing, 5, 2_000);
    const lastDeposits = [await enqueue(last, 20, 3_000), await enqueue(last, 30, 4_000)];
    const { logger, lines } = recordingLogger();
    const folding = foldingOf(
      queue,
      { movementFolding: true, idempotencyRetentionSeconds: RETENTION_SECONDS },
      SETTINGS,
    );
    if (!folding) throw new Error("folding is on");

    try {
      const report = await foldWaitingMovements<Write>(
        {
          accounts,
          transfers,
          folding,
          now: () => new Date(clock.now()),
          remainingTimeMs: () => 60_000,
          logger,
        },
        BEFORE_MS,
        5_000,
      );

      expect(report).toEqual({ folded: 3, busy: 0, failed: 1, oldestSinceMs: 2_000 });
      expect(lines).toEqual([
        {
          level: "error",
          message: "waiting movements not folded",
          attributes: [
            { queue: missing, error: `account ${missing} of a queued movement is missing` },
          ],
        },
        {
          level: "info",
          message: "waiting movements folded",
          attributes: [{ folded: 3, queues: 3 }],
        },
      ]);
      // The queues before and after the failing one: written, settled, emptied.
      const ledger = async (accountId: string) => {
        const { items } = await accounts.listEntries(accountId, { limit: 10 });
        return items
          .map((entry) => ledgerEntrySchema.parse(entry))
          .map(({ referenceId, amount, balanceAfter }) => ({ referenceId, amount, balanceAfter }));
      };
      expect(await ledger(first)).toEqual([
        { referenceId: firstDeposit.depositId, amount: 10, balanceAfter: 10 },
      ]);
      expect(await ledger(last)).toEqual([
        { referenceId: lastDeposits[0]?.depositId, amount: 20, balanceAfter: 20 },
        { referenceId: lastDeposits[1]?.depositId, amount: 30, balanceAfter: 50 },
      ]);
      expect(await accounts.find(first)).toMatchObject({ balance: 10, version: 2 });
      expect(await accounts.find(last)).toMatchObject({ balance: 50, version: 3 });
      for (const { key, depositId } of [firstDeposit, ...lastDeposits]) {
        expect(await markerOf(store, key)).toMatchObject({
          status: "settled",
          outcome: { status: "moved", result: { id: depositId } },
        });
      }
      const entriesOf = (accountId: string) => queuedIn(store, accountId);
      expect(await entriesOf(first)).toEqual([]);
      expect(await entriesOf(last)).toEqual([]);
      // The failing queue: its movement still waits, its marker queued, its lease released.
      expect(await entriesOf(missing)).toEqual([{ key: broken.key, seq: broken.seq }]);
      expect(await markerOf(store, broken.key)).toMatchObject({ status: "queued" });
      expect(
        await table.get({ pk: `FOLDER#${missing}`, sk: "LEASE" }, leaseItemSchema),
      ).toBeUndefined();
    } finally {
      // Nothing can fold it: gone, so that no later run (of any file) meets it.
      expect(
        await table.transact([
          table.remove({ pk: `QUEUE#${missing}`, sk: broken.seq }),
          table.remove({ pk: `MOVEMENT#${broken.key}`, sk: "MOVEMENT" }),
        ]),
      ).toBe(true);
    }
  });
});
