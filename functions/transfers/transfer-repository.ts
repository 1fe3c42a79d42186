import type { StoredTransfer } from "./transfer";

/** Storage of transfers; writes are returned to be committed with the rest. */
export interface TransferRepository<TWrite> {
  find(transferId: string): Promise<StoredTransfer | undefined>;
  create(transfer: StoredTransfer): TWrite;
}
