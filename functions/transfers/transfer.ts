import * as z from "zod";
import { amountSchema, currencySchema, idSchema, timestampSchema } from "../domain/primitives";

/** A move of money between two accounts of one currency. */
export const transferSchema = z
  .object({
    id: idSchema,
    fromAccountId: idSchema,
    toAccountId: idSchema,
    amount: amountSchema,
    currency: currencySchema,
    createdAt: timestampSchema,
  })
  .meta({ id: "Transfer" });
export type Transfer = z.infer<typeof transferSchema>;

/** As stored: with the owner of the source account, who alone may read it. */
export const storedTransferSchema = transferSchema.extend({ ownerId: z.string() });
export type StoredTransfer = z.infer<typeof storedTransferSchema>;

export const transferView = ({ ownerId: _ownerId, ...transfer }: StoredTransfer): Transfer =>
  transfer;
