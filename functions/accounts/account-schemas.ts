import * as z from "zod";
import { amountSchema, currencySchema, idSchema } from "../domain/primitives";

export const createAccountBodySchema = z
  .strictObject({
    currency: currencySchema,
    name: z.string().trim().min(1).max(100).optional(),
  })
  .meta({ id: "CreateAccountRequest" });

export const depositBodySchema = z
  .strictObject({ amount: amountSchema })
  .meta({ id: "CreateDepositRequest" });

export const accountParamsSchema = z.object({ accountId: idSchema });
export const depositParamsSchema = z.object({ accountId: idSchema, depositId: idSchema });

export const entriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
