import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { DataTable } from "../shared/dynamodb/data-table";
import { type StoredTransfer, storedTransferSchema } from "./transfer";
import type { TransferRepository } from "./transfer-repository";

const transferKey = (transferId: string) => ({ pk: `TRANSFER#${transferId}`, sk: "TRANSFER" });

export class DynamoDbTransferRepository implements TransferRepository<TransactWriteItem> {
  constructor(private readonly table: DataTable) {}

  find(transferId: string): Promise<StoredTransfer | undefined> {
    return this.table.get(transferKey(transferId), storedTransferSchema);
  }

  create(transfer: StoredTransfer): TransactWriteItem {
    return this.table.create({ ...transferKey(transfer.id), kind: "transfer", ...transfer });
  }
}
