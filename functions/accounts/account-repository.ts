import { refuse } from "../domain/refusals";
import type { PostedEntry } from "../movements/apply-movement";
import type { OutboxEvent } from "../shared/outbox";
import type { Account, Deposit, LedgerEntry } from "./account";

export interface AccountForMovement {
  readonly account: Account;
  readonly hotUntilMs: number;
}

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
  /**
   * The account, and until when its movements are folded from its queue
   * (epoch ms; 0 when they never were): see functions/movements.
   */
  findForMovement(accountId: string): Promise<AccountForMovement | undefined>;
  /** Saves `updated` if the account is still at `previous.version`, and appends its entry. */
  saveBalance(previous: Account, updated: Account, entry: LedgerEntry): TWrite[];
  /**
   * Saves `updated`'s balance and version if the account is still at
   * `previous.version`; with `hotUntilMs`, marks it hot until then.
   */
  saveAccount(previous: Account, updated: Account, hotUntilMs?: number): TWrite;
  /** Appends an entry at the version it made. */
  appendEntry(posted: PostedEntry): TWrite;
  /**
   * Writes nothing; fails the transaction unless the account is still at
   * `read.version`: a decision taken on its balance (a refusal) stands only
   * on the balance it saw.
   */
  checkVersion(read: Account): TWrite;
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
  if (!isOwnedBy(account, caller)) return refuse({ reason: "not-found", resource: "account" });
  return account;
}

/** {@link ownAccount}, with the account's heat: what a movement out of or into it reads. */
export async function ownAccountForMovement<TWrite>(
  accounts: AccountRepository<TWrite>,
  caller: string,
  accountId: string,
): Promise<AccountForMovement> {
  const read = await accounts.findForMovement(accountId);
  if (!read || !isOwnedBy(read.account, caller)) {
    return refuse({ reason: "not-found", resource: "account" });
  }
  return read;
}

function isOwnedBy(account: Account | undefined, caller: string): account is Account {
  return account !== undefined && account.ownerId === caller;
}
