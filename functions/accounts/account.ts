import * as z from "zod";
import {
  amountSchema,
  currencySchema,
  idSchema,
  timestampSchema,
  versionSchema,
} from "../domain/primitives";
import { type AccountRole, type Refusal, refuse } from "../domain/refusals";

export const entryTypes = ["deposit", "transfer_out", "transfer_in", "payment", "refund"] as const;
export type EntryType = (typeof entryTypes)[number];

/** A wallet; its balance never goes negative and changes only with a ledger entry. */
export const accountSchema = z
  .object({
    id: idSchema,
    ownerId: z.string().meta({ description: "The caller who opened it (the token's sub)." }),
    name: z.string().nullable(),
    currency: currencySchema,
    balance: z.number().int().min(0).meta({ description: "In minor units; never negative." }),
    version: versionSchema,
    createdAt: timestampSchema,
  })
  .meta({ id: "Account", description: "A wallet in one currency." });
export type Account = z.infer<typeof accountSchema>;

/** One change of a balance; an account's entries add up to its balance. */
export const ledgerEntrySchema = z
  .object({
    id: idSchema,
    accountId: idSchema,
    type: z.enum(entryTypes),
    amount: z.number().int().meta({ description: "Signed: debits are negative." }),
    balanceAfter: z.number().int().min(0),
    referenceId: idSchema.meta({ description: "The deposit, transfer, payment or refund." }),
    createdAt: timestampSchema,
  })
  .meta({ id: "LedgerEntry", description: "One change of an account's balance." });
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/** A page of entries, oldest first, and where the next one starts. */
export const ledgerPageSchema = z
  .object({
    items: z.array(ledgerEntrySchema),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: "Pass as `cursor` for the next page; null on the last one." }),
  })
  .meta({ id: "LedgerPage" });

export const depositSchema = z
  .object({
    id: idSchema,
    accountId: idSchema,
    amount: amountSchema,
    balance: z.number().int().min(0).meta({ description: "The balance after the deposit." }),
    createdAt: timestampSchema,
  })
  .meta({ id: "Deposit" });
export type Deposit = z.infer<typeof depositSchema>;

/**
 * Largest balance an account may hold: far above any real wallet and far
 * below 2^53, where JSON numbers stop being exact integers.
 */
export const MAX_BALANCE = 1e15;

export interface Posting {
  readonly entryId: string;
  readonly type: EntryType;
  /** Signed amount in minor units. */
  readonly delta: number;
  readonly referenceId: string;
  readonly at: string;
}

export type PostingResult =
  | { readonly ok: true; readonly account: Account; readonly entry: LedgerEntry }
  | { readonly ok: false; readonly reason: "insufficient-funds" | "balance-limit" };

/** The account after a posting, and its ledger entry; the version moves by one. */
export function post(account: Account, posting: Posting): PostingResult {
  const balance = account.balance + posting.delta;
  if (balance < 0) return { ok: false, reason: "insufficient-funds" };
  if (balance > MAX_BALANCE) return { ok: false, reason: "balance-limit" };
  return {
    ok: true,
    account: { ...account, balance, version: account.version + 1 },
    entry: {
      id: posting.entryId,
      accountId: account.id,
      type: posting.type,
      amount: posting.delta,
      balanceAfter: balance,
      referenceId: posting.referenceId,
      createdAt: posting.at,
    },
  };
}

/** The refusals that only the balances at the moment of writing decide. */
export type BalanceRefusal = Extract<
  Refusal,
  { readonly reason: "insufficient-funds" | "balance-limit-exceeded" }
>;

/** The refusal a posting that `post` refused stands for (`role` names the account in it). */
export function postingRefusal(
  account: Account,
  role: AccountRole,
  posting: Posting,
  reason: "insufficient-funds" | "balance-limit",
): BalanceRefusal {
  return reason === "insufficient-funds"
    ? {
        reason: "insufficient-funds",
        account: role,
        balance: account.balance,
        needed: -posting.delta,
      }
    : { reason: "balance-limit-exceeded", account: role };
}

/**
 * The account after a posting and its entry, or the refusal that says why
 * the posting is refused (`role` names the account in it).
 */
export function postOrRefuse(account: Account, role: AccountRole, posting: Posting) {
  const result = post(account, posting);
  if (result.ok) return result;
  return refuse(postingRefusal(account, role, posting, result.reason));
}
