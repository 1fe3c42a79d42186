import type { Account } from "../accounts/account";
import type { AccountRepository } from "../accounts/account-repository";
import type { TransferRepository } from "../transfers/transfer-repository";
import type { AppliedMovement } from "./apply-movement";

/** The repositories a movement is written through. */
export interface LedgerPorts<TWrite> {
  readonly accounts: AccountRepository<TWrite>;
  readonly transfers: TransferRepository<TWrite>;
}

type Moved = Extract<AppliedMovement, { status: "moved" }>;

/** What a moved movement writes besides its accounts: its entries, its resource, its event. */
export function movedWrites<TWrite>(ports: LedgerPorts<TWrite>, moved: Moved): TWrite[] {
  return [
    ...moved.entries.map((posted) => ports.accounts.appendEntry(posted)),
    moved.made.deposit
      ? ports.accounts.createDeposit(moved.made.deposit)
      : ports.transfers.create(moved.made.transfer),
    ports.accounts.recordEvent(moved.event),
  ];
}

/**
 * The accounts whose version moved between `before` and `after`, saved at
 * their state in `after` if each is still at the version read; with
 * `checkUnchanged`, the others are checked to be still at the version read
 * (a refusal taken on their balance must not stand on a stale one).
 */
export function accountWrites<TWrite>(
  ports: LedgerPorts<TWrite>,
  before: ReadonlyMap<string, Account>,
  after: ReadonlyMap<string, Account>,
  options: { readonly hotUntilMs?: number; readonly checkUnchanged?: boolean } = {},
): TWrite[] {
  return [...after.values()].flatMap((updated) => {
    const previous = before.get(updated.id);
    if (!previous) return [];
    if (previous.version === updated.version) {
      return options.checkUnchanged ? [ports.accounts.checkVersion(previous)] : [];
    }
    return [ports.accounts.saveAccount(previous, updated, options.hotUntilMs)];
  });
}
