import { refuse } from "../domain/refusals";
import type { OutboxEvent } from "../shared/outbox";
import type { Account, Deposit, LedgerEntry } from "./account";

export interface EntriesPage {
  readonly items: readonly LedgerEntry[];
  /** Opaque position after the last item, when more may follow. */
  readonly next: string | null;
}

/**
 * What the account use cases need of storage. Writes are returned, not
 * performed: the use case commits them in one transaction with the
 * idempotency record. `TWrite` is the adapter's unit of write.
 */
export interface AccountRepository<TWrite> {
  find(accountId: string): Promise<Account | undefined>;
  findDeposit(accountId: string, depositId: string): Promise<Deposit | undefined>;
  listEntries(accountId: string, page: { limit: number; after?: string }): Promise<EntriesPage>;
  /** @returns whether `cursor` is one this repository handed out */
  isCursor(cursor: string): boolean;
  create(account: Account): TWrite;
  /** Saves `updated` if the account is still at `previous.version`, and appends its entry. */
  saveBalance(previous: Account, updated: Account, entry: LedgerEntry): TWrite[];
  createDeposit(deposit: Deposit): TWrite;
  recordEvent(event: OutboxEvent): TWrite;
}

/** The caller's own account, or `not-found`: others' accounts look exactly like missing ones. */
export async function ownAccount<TWrite>(
  accounts: AccountRepository<TWrite>,
  caller: string,
  accountId: string,
): Promise<Account> {
  const account = await accounts.find(accountId);
  if (!account || account.ownerId !== caller)
    return refuse({ reason: "not-found", resource: "account" });
  return account;
}
