import { postOrRefuse } from "../accounts/account";
import { type AccountRepository, ownAccount } from "../accounts/account-repository";
import { newId } from "../domain/primitives";
import { refuse } from "../domain/refusals";
import { retryOnConflict } from "../shared/optimistic-retry";
import { outboxEvent } from "../shared/outbox";
import type { WritePorts } from "../shared/write-ports";
import { type StoredTransfer, type Transfer, transferView } from "./transfer";
import type { TransferRepository } from "./transfer-repository";

export interface TransferPorts<TWrite> extends WritePorts<TWrite, Transfer> {
  readonly accounts: AccountRepository<TWrite>;
  readonly transfers: TransferRepository<TWrite>;
}

/**
 * Debits the caller's account and credits the destination in one
 * transaction, each write conditioned on the version read. A lost race is
 * read again and decided again, so the balance check is never stale.
 */
export async function createTransfer<TWrite>(
  input: { caller: string; fromAccountId: string; toAccountId: string; amount: number },
  ports: TransferPorts<TWrite>,
): Promise<Transfer> {
  const transferId = newId();
  return retryOnConflict(async () => {
    const from = await ownAccount(ports.accounts, input.caller, input.fromAccountId);
    const to = await ports.accounts.find(input.toAccountId);
    if (!to) return refuse({ reason: "not-found", resource: "destination account" });
    if (from.currency !== to.currency) {
      return refuse({
        reason: "currency-mismatch",
        between: "source and destination",
        currencies: [from.currency, to.currency],
      });
    }
    const at = ports.now().toISOString();
    const debit = postOrRefuse(from, "source account", {
      entryId: newId(),
      type: "transfer_out",
      delta: -input.amount,
      referenceId: transferId,
      at,
    });
    const credit = postOrRefuse(to, "destination account", {
      entryId: newId(),
      type: "transfer_in",
      delta: input.amount,
      referenceId: transferId,
      at,
    });
    const transfer: StoredTransfer = {
      id: transferId,
      fromAccountId: from.id,
      toAccountId: to.id,
      amount: input.amount,
      currency: from.currency,
      createdAt: at,
      ownerId: input.caller,
    };
    const view = transferView(transfer);
    const event = outboxEvent(
      "transfer.completed",
      transfer.id,
      { transfer: view },
      at,
      ports.correlationId,
    );
    return ports.commit(
      [
        ...ports.accounts.saveBalance(from, debit.account, debit.entry),
        ...ports.accounts.saveBalance(to, credit.account, credit.entry),
        ports.transfers.create(transfer),
        ports.accounts.recordEvent(event),
      ],
      view,
    );
  }, ports.remainingTimeMs);
}

/** Visible to the owner of the source account only; to anyone else it does not exist. */
export async function getTransfer<TWrite>(
  input: { caller: string; transferId: string },
  ports: Pick<TransferPorts<TWrite>, "transfers">,
): Promise<Transfer> {
  const transfer = await ports.transfers.find(input.transferId);
  if (!transfer || transfer.ownerId !== input.caller) {
    return refuse({ reason: "not-found", resource: "transfer" });
  }
  return transferView(transfer);
}
