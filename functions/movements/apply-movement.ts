import {
  type Account,
  type BalanceRefusal,
  type Deposit,
  type EntryType,
  type LedgerEntry,
  post,
  postingRefusal,
} from "../accounts/account";
import { newId } from "../domain/primitives";
import type { AccountRole } from "../domain/refusals";
import { type OutboxEvent, outboxEvent } from "../shared/outbox";
import { type StoredTransfer, type Transfer, transferView } from "../transfers/transfer";
import type { Movement } from "./movement";

/** An entry and the account version it made: entries are keyed, and listed, by it. */
export interface PostedEntry {
  readonly entry: LedgerEntry;
  readonly version: number;
}

/** What a movement makes besides its entries: the resource a client reads back. */
export type MadeResource =
  | { readonly deposit: Deposit; readonly transfer?: never }
  | { readonly transfer: StoredTransfer; readonly deposit?: never };

export type AppliedMovement =
  | {
      readonly status: "moved";
      readonly entries: readonly PostedEntry[];
      readonly made: MadeResource;
      /** The answer's resource: the deposit, or the transfer as its owner sees it. */
      readonly result: Deposit | Transfer;
      readonly event: OutboxEvent;
    }
  | { readonly status: "refused"; readonly refusal: BalanceRefusal };

interface Leg {
  readonly accountId: string;
  readonly role: AccountRole;
  readonly type: EntryType;
  readonly delta: number;
}

function legsOf(movement: Movement): readonly Leg[] {
  if (movement.type === "deposit") {
    return [
      { accountId: movement.accountId, role: "account", type: "deposit", delta: movement.amount },
    ];
  }
  const { fromAccountId, toAccountId, amount } = movement.transfer;
  return [
    { accountId: fromAccountId, role: "source account", type: "transfer_out", delta: -amount },
    {
      accountId: toAccountId,
      role: "destination account",
      type: "transfer_in",
      delta: amount,
    },
  ];
}

/**
 * THE decision of a movement, on the balances in `accounts`: every leg
 * posts (an entry each, the version moving by one), or the first leg that
 * cannot refuses the whole movement and no balance changes. On `moved`,
 * `accounts` holds the balances after it: a fold applies its movements one
 * after another on one map, in queue order, exactly as if each had been
 * written alone in that order.
 *
 * @param at when the balances change: the entries', the resource's and the event's time
 */
export function applyMovement(
  accounts: Map<string, Account>,
  movement: Movement,
  at: string,
): AppliedMovement {
  const referenceId = movement.type === "deposit" ? movement.depositId : movement.transfer.id;
  const after = new Map<string, Account>();
  const entries: PostedEntry[] = [];
  for (const leg of legsOf(movement)) {
    const account = after.get(leg.accountId) ?? accounts.get(leg.accountId);
    if (!account) throw new Error(`account ${leg.accountId} was not read before its movement`);
    const posting = { entryId: newId(), type: leg.type, delta: leg.delta, referenceId, at };
    const posted = post(account, posting);
    if (!posted.ok) {
      return {
        status: "refused",
        refusal: postingRefusal(account, leg.role, posting, posted.reason),
      };
    }
    after.set(account.id, posted.account);
    entries.push({ entry: posted.entry, version: posted.account.version });
  }
  for (const [id, account] of after) accounts.set(id, account);

  if (movement.type === "deposit") {
    const deposit: Deposit = {
      id: movement.depositId,
      accountId: movement.accountId,
      amount: movement.amount,
      balance: entries.at(-1)?.entry.balanceAfter ?? 0,
      createdAt: at,
    };
    return {
      status: "moved",
      entries,
      made: { deposit },
      result: deposit,
      event: outboxEvent(
        "account.deposited",
        deposit.accountId,
        { deposit },
        at,
        movement.correlationId,
      ),
    };
  }
  const transfer: StoredTransfer = { ...movement.transfer, createdAt: at };
  const view = transferView(transfer);
  return {
    status: "moved",
    entries,
    made: { transfer },
    result: view,
    event: outboxEvent(
      "transfer.completed",
      transfer.id,
      { transfer: view },
      at,
      movement.correlationId,
    ),
  };
}
