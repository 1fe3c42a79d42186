import * as z from "zod";
import { amountSchema, idSchema } from "../domain/primitives";

export const createTransferBodySchema = z
  .strictObject({ fromAccountId: idSchema, toAccountId: idSchema, amount: amountSchema })
  .refine((body) => body.fromAccountId !== body.toAccountId, {
    path: ["toAccountId"],
    message: "must differ from fromAccountId",
  })
  .meta({ id: "CreateTransferRequest", description: "fromAccountId and toAccountId must differ." });

export const transferParamsSchema = z.object({ transferId: idSchema });
