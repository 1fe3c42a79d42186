import * as z from "zod";

/** Minor units: `1999` is 19.99. Positive, at most 10^12. */
export const amountSchema = z
  .number()
  .int("must be an integer number of minor units")
  .positive()
  .max(1e12)
  .meta({ description: "Integer amount in minor units (1999 is 19.99).", example: 1999 });

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code of three upper-case letters")
  .meta({ description: "ISO 4217 currency code.", example: "EUR" });

/** Ids are ULIDs; anything else cannot name a resource. */
export const idSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  .meta({ description: "A ULID.", example: "01M846H8J91NKVMC5AEHHBHECS" });
