import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { type Account, ledgerEntrySchema } from "../../functions/accounts/account";
import { DynamoDbAccountRepository } from "../../functions/accounts/dynamodb-account-repository";
import { newId } from "../../functions/domain/primitives";
import { movementOutcomeSchema } from "../../functions/movements/movement";
import type { MovementQueue } from "../../functions/movements/movement-queue";
import { DataTable } from "../../functions/shared/dynamodb/data-table";
import { DynamoDbTransferRepository } from "../../functions/transfers/dynamodb-transfer-repository";
import { ensureTable } from "../../lib/local/create-tables";
import { dataTableDefinition } from "../../lib/tables/table-definitions";
import { testClient, testEnvironment } from "./dynamodb";

/**
 * The items of contended movements (functions/movements/) on DynamoDB
 * Local, as the tests of the fold seed and read them: accounts opened
 * empty, deposits queued on their account's own queue, markers, queue
 * entries, and the ledger checked against the contract's invariants.
 */

/** The fold tests' markers and records live longer than any test. */
export const TEST_RETENTION_SECONDS = 86_400;
/** The fold tests' tuning: quick polls, and an account hot for a whole test. */
export const TEST_FOLD_SETTINGS = { leaseMs: 1_000, pollMs: 5, hotMs: 60_000 } as const;

/** A data table and the repositories a fold writes through. */
export interface MovementStore {
  readonly table: DataTable;
  readonly accounts: DynamoDbAccountRepository;
  readonly transfers: DynamoDbTransferRepository;
}

/** @param tableName the integration tier's shared data table unless a file has its own */
export function movementStore(tableName: string = testEnvironment().dataTable): MovementStore {
  const table = new DataTable(testClient(), tableName);
  return {
    table,
    accounts: new DynamoDbAccountRepository(table),
    transfers: new DynamoDbTransferRepository(table),
  };
}

/**
 * A data table of the test file's own, created before its tests, for a file
 * whose queues must stay out of other files' reconciler runs (a run folds
 * the oldest queued movements of its table first, whoever queued them).
 */
export function ownMovementStore(tableName: string): MovementStore {
  beforeAll(() => ensureTable(testClient(), dataTableDefinition, tableName));
  return movementStore(tableName);
}

/** Opens an account of `ownerId` in EUR, balance 0 and version 1, as of `nowMs`; its id. */
export async function openEmptyAccount(
  store: MovementStore,
  ownerId: string,
  nowMs: number,
): Promise<string> {
  const account: Account = {
    id: newId(),
    ownerId,
    name: null,
    currency: "EUR",
    balance: 0,
    version: 1,
    createdAt: new Date(nowMs).toISOString(),
  };
  const created = await store.table.transact([store.accounts.create(account)]);
  if (!created) throw new Error(`account ${account.id} was not created`);
  return account.id;
}

/** A deposit a test queued on its account's own queue. */
export interface QueuedDeposit {
  readonly key: string;
  readonly seq: string;
  readonly depositId: string;
  readonly amount: number;
}

/**
 * Queues a deposit into `accountId` on the account's own queue, as if at
 * `nowMs`, under `key` at `seq` (fingerprint "f"); throws unless it was queued.
 */
export async function enqueueDeposit(
  queue: MovementQueue<TransactWriteItem>,
  entry: {
    readonly accountId: string;
    readonly amount: number;
    readonly key: string;
    readonly seq: string;
    readonly expiresAt: number;
    readonly nowMs: number;
  },
): Promise<QueuedDeposit> {
  const { accountId, amount, key, seq, expiresAt, nowMs } = entry;
  const depositId = newId();
  const enqueued = await queue.enqueue(
    {
      queue: accountId,
      seq,
      key,
      movement: { type: "deposit", depositId, accountId, amount, correlationId: key },
      fingerprint: "f",
      expiresAt,
    },
    nowMs,
  );
  if (!enqueued.queued) throw new Error(`deposit ${key} was not queued`);
  return { key, seq, depositId, amount };
}

export const storedMarkerSchema = z.object({
  key: z.string(),
  status: z.enum(["queued", "settled"]),
  outcome: movementOutcomeSchema.optional(),
  expiresAt: z.number().int(),
});

/** The marker of the movement queued or written under `key`, as stored. */
export const markerOf = (store: MovementStore, key: string) =>
  store.table.get({ pk: `MOVEMENT#${key}`, sk: "MOVEMENT" }, storedMarkerSchema);

const queuedItemSchema = z.object({ key: z.string(), seq: z.string() });

/** The entries waiting in `queue`, in `seq` order. */
export const queuedIn = (store: MovementStore, queue: string) =>
  store.table.queryPrefix(`QUEUE#${queue}`, undefined, queuedItemSchema, { limit: 100 });

/**
 * The account's entries in ledger order, after checking the contract's
 * invariants: each `balanceAfter` is the running sum of the entries before
 * it, and the balance and version are the last entry's.
 */
export async function checkedLedgerOf(store: MovementStore, accountId: string) {
  const { items } = await store.accounts.listEntries(accountId, { limit: 100 });
  const entries = items.map((entry) => ledgerEntrySchema.parse(entry));
  let running = 0;
  for (const entry of entries) {
    running += entry.amount;
    if (entry.balanceAfter !== running) {
      throw new Error(
        `entry ${entry.id} of ${accountId}: balanceAfter ${entry.balanceAfter}, running sum ${running}`,
      );
    }
  }
  const account = await store.accounts.find(accountId);
  if (account?.balance !== running || account.version !== 1 + entries.length) {
    throw new Error(
      `account ${accountId}: balance ${account?.balance} version ${account?.version}, ledger ${running} over ${entries.length} entries`,
    );
  }
  return entries;
}
