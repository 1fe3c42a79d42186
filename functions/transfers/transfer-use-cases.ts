import { ownAccountForMovement } from "../accounts/account-repository";
import { newId } from "../domain/primitives";
import { refuse } from "../domain/refusals";
import { type MovementPorts, moveMoney } from "../movements/move-money";
import { type Transfer, transferSchema, transferView } from "./transfer";
import type { TransferRepository } from "./transfer-repository";

/**
 * Debits the caller's account and credits the destination exactly once, in
 * one transaction, the funds decided on the balances it writes over: see
 * `moveMoney` for its two paths, direct or folded from a queue.
 */
export async function createTransfer<TWrite>(
  input: { caller: string; fromAccountId: string; toAccountId: string; amount: number },
  ports: MovementPorts<TWrite, Transfer>,
): Promise<Transfer> {
  const transferId = newId();
  return moveMoney(
    async () => {
      // Both at once: one round trip of the request's time, not two.
      const [from, to] = await Promise.all([
        ownAccountForMovement(ports.accounts, input.caller, input.fromAccountId),
        ports.accounts.findForMovement(input.toAccountId),
      ]);
      if (!to) return refuse({ reason: "not-found", resource: "destination account" });
      if (from.account.currency !== to.account.currency) {
        return refuse({
          reason: "currency-mismatch",
          between: "source and destination",
          currencies: [from.account.currency, to.account.currency],
        });
      }
      return {
        movement: {
          type: "transfer",
          transfer: {
            id: transferId,
            fromAccountId: from.account.id,
            toAccountId: to.account.id,
            amount: input.amount,
            currency: from.account.currency,
            ownerId: input.caller,
          },
          correlationId: ports.correlationId,
        },
        accounts: [from, to],
      };
    },
    (result) => transferSchema.parse(result),
    ports,
  );
}

/** Visible to the owner of the source account only; to anyone else it does not exist. */
export async function getTransfer<TWrite>(
  input: { caller: string; transferId: string },
  ports: { readonly transfers: TransferRepository<TWrite> },
): Promise<Transfer> {
  const transfer = await ports.transfers.find(input.transferId);
  if (!transfer || transfer.ownerId !== input.caller) {
    return refuse({ reason: "not-found", resource: "transfer" });
  }
  return transferView(transfer);
}
