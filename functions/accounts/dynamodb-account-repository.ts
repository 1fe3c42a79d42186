import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import type { PostedEntry } from "../movements/apply-movement";
import type { DataTable } from "../shared/dynamodb/data-table";
import { type OutboxEvent, writeOutboxEvent } from "../shared/outbox";
import {
  type Account,
  accountSchema,
  type Deposit,
  depositSchema,
  type LedgerEntry,
  ledgerEntrySchema,
} from "./account";
import type { AccountForMovement, AccountRepository, EntriesPage } from "./account-repository";

/**
 * Keys: an account and everything that only it owns share a partition.
 * Entries are keyed by the account version that wrote them, so they sort in
 * the exact order the balance changed, whatever their timestamps.
 */
export const accountKey = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: "ACCOUNT" });
const ENTRY_PREFIX = "ENTRY#";
const entryKey = (accountId: string, version: number) => ({
  pk: `ACCOUNT#${accountId}`,
  sk: `${ENTRY_PREFIX}${String(version).padStart(15, "0")}`,
});
const depositKey = (accountId: string, depositId: string) => ({
  pk: `ACCOUNT#${accountId}`,
  sk: `DEPOSIT#${depositId}`,
});
const ENTRY_SK = /^ENTRY#\d{15}$/;

/** The account item with its heat: until when its movements fold (see functions/movements). */
const accountHeatSchema = accountSchema.extend({ hotUntilMs: z.number().int().optional() });

const storedEntrySchema = ledgerEntrySchema.extend({ sk: z.string() });

const encodeCursor = (sk: string) => Buffer.from(sk, "utf8").toString("base64url");
const decodeCursor = (cursor: string) => Buffer.from(cursor, "base64url").toString("utf8");

export class DynamoDbAccountRepository implements AccountRepository<TransactWriteItem> {
  constructor(private readonly table: DataTable) {}

  find(accountId: string): Promise<Account | undefined> {
    return this.table.get(accountKey(accountId), accountSchema);
  }

  findDeposit(accountId: string, depositId: string): Promise<Deposit | undefined> {
    return this.table.get(depositKey(accountId, depositId), depositSchema);
  }

  async listEntries(
    accountId: string,
    page: { limit: number; after?: string },
  ): Promise<EntriesPage> {
    // One more than asked tells whether another page exists.
    const items = await this.table.queryPrefix(
      `ACCOUNT#${accountId}`,
      ENTRY_PREFIX,
      storedEntrySchema,
      { limit: page.limit + 1, ...(page.after ? { afterSk: decodeCursor(page.after) } : {}) },
    );
    const shown = items.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      items: shown.map(({ sk: _sk, ...entry }) => ledgerEntrySchema.parse(entry)),
      next: items.length > page.limit && last ? encodeCursor(last.sk) : null,
    };
  }

  isCursor(cursor: string): boolean {
    return ENTRY_SK.test(decodeCursor(cursor));
  }

  create(account: Account): TransactWriteItem {
    return this.table.create({ ...accountKey(account.id), kind: "account", ...account });
  }

  async findForMovement(accountId: string): Promise<AccountForMovement | undefined> {
    const item = await this.table.get(accountKey(accountId), accountHeatSchema);
    if (!item) return undefined;
    const { hotUntilMs, ...account } = item;
    return { account, hotUntilMs: hotUntilMs ?? 0 };
  }

  saveBalance(previous: Account, updated: Account, entry: LedgerEntry): TransactWriteItem[] {
    return [
      this.saveAccount(previous, updated),
      this.appendEntry({ entry, version: updated.version }),
    ];
  }

  saveAccount(previous: Account, updated: Account, hotUntilMs?: number): TransactWriteItem {
    // An update, not a put: the account's other attributes (its heat) stay as they are.
    return this.table.update(
      accountKey(updated.id),
      {
        balance: updated.balance,
        version: updated.version,
        ...(hotUntilMs === undefined ? {} : { hotUntilMs }),
      },
      { expression: "version = :version", values: { ":version": previous.version } },
    );
  }

  checkVersion(read: Account): TransactWriteItem {
    return this.table.check(accountKey(read.id), {
      expression: "version = :version",
      values: { ":version": read.version },
    });
  }

  appendEntry({ entry, version }: PostedEntry): TransactWriteItem {
    return this.table.create({ ...entryKey(entry.accountId, version), kind: "entry", ...entry });
  }

  createDeposit(deposit: Deposit): TransactWriteItem {
    return this.table.create({
      ...depositKey(deposit.accountId, deposit.id),
      kind: "deposit",
      ...deposit,
    });
  }

  recordEvent(event: OutboxEvent): TransactWriteItem {
    return writeOutboxEvent(this.table, event);
  }
}
