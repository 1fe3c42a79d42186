import * as z from "zod";
import { type BalanceRefusal, depositSchema } from "../accounts/account";
import { amountSchema, idSchema } from "../domain/primitives";
import type { AccountRole } from "../domain/refusals";
import { storedTransferSchema, transferSchema } from "../transfers/transfer";

/**
 * A movement of money a request asked for, decided and written as one:
 * what a deposit or a transfer is before its balances change. Its ids are
 * chosen by the request, so the movement is the same whichever path writes
 * it (directly, or folded from its account's queue) and whoever writes it.
 */
export const depositMovementSchema = z.object({
  type: z.literal("deposit"),
  depositId: idSchema,
  accountId: idSchema,
  amount: amountSchema,
  correlationId: z.string(),
});
export const transferMovementSchema = z.object({
  type: z.literal("transfer"),
  /** Dated when it is written: `createdAt` is the moment its balances change. */
  transfer: storedTransferSchema.omit({ createdAt: true }),
  correlationId: z.string(),
});
export const movementSchema = z.discriminatedUnion("type", [
  depositMovementSchema,
  transferMovementSchema,
]);
export type Movement = z.infer<typeof movementSchema>;
export type DepositMovement = z.infer<typeof depositMovementSchema>;
export type TransferMovement = z.infer<typeof transferMovementSchema>;

const accountRoleSchema = z.enum([
  "account",
  "source account",
  "destination account",
  "paying account",
]) satisfies z.ZodType<AccountRole>;

/** The account's `BalanceRefusal`, as a settled marker stores it (parsed when read back). */
export const balanceRefusalSchema = z.discriminatedUnion("reason", [
  z.object({
    reason: z.literal("insufficient-funds"),
    account: accountRoleSchema,
    balance: z.number().int(),
    needed: z.number().int(),
  }),
  z.object({ reason: z.literal("balance-limit-exceeded"), account: accountRoleSchema }),
]) satisfies z.ZodType<BalanceRefusal>;

/** What became of a movement: written, with the resource it made, or refused. */
export const movementOutcomeSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("moved"), result: z.union([depositSchema, transferSchema]) }),
  z.object({ status: z.literal("refused"), refusal: balanceRefusalSchema }),
]);
export type MovementOutcome = z.infer<typeof movementOutcomeSchema>;

/** The accounts whose balances a movement changes, in the order it posts to them. */
export function accountsOf(movement: Movement): readonly string[] {
  return movement.type === "deposit"
    ? [movement.accountId]
    : [movement.transfer.fromAccountId, movement.transfer.toAccountId];
}

/**
 * The queue a contended movement waits in: its account's; for a transfer,
 * the one of its two accounts that is hot (many payers into one merchant
 * fold with the merchant's deposits, not one transaction each), else the
 * lower of the two, so that transfers crossing between two accounts in both
 * directions are decided by one folder, in one order, instead of racing.
 *
 * @param hot the accounts the request found hot
 */
export function queueOf(movement: Movement, hot: ReadonlySet<string> = new Set()): string {
  const accounts = accountsOf(movement);
  const hotOnes = accounts.filter((id) => hot.has(id));
  const candidates = hotOnes.length === 1 ? hotOnes : accounts;
  const [queue] = [...candidates].sort();
  if (queue === undefined) throw new Error("a movement changes at least one account");
  return queue;
}
