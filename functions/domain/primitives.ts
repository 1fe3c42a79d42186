import { ulid } from "ulid";
import * as z from "zod";

/**
 * The domain's primitives: what an id, an amount, a currency, a moment and
 * a version are, for every resource of the API (and, through these schemas,
 * for its OpenAPI document).
 */

/** Ids are ULIDs; anything else cannot name a resource. */
export const idSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  .meta({ description: "A ULID.", example: "01M846H8J91NKVMC5AEHHBHECS" });

// ULIDs: time-ordered to the millisecond (sortable in keys and pages) and
// unguessable: 80 random bits drawn afresh for every id. Not the monotonic
// factory, whose ids of one millisecond are consecutive (+1, +2) and so let
// a caller guess another's ids. Nothing relies on order within a
// millisecond: the ledger sorts entries by account version.
export const newId = (): string => ulid();

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

/**
 * A moment as the API writes it: `Date.prototype.toISOString()`, an ISO 8601
 * UTC string (`format: date-time` in the OpenAPI document).
 */
export const timestampSchema = z.iso
  .datetime()
  .meta({ description: "ISO 8601, UTC.", example: "2026-01-31T09:30:00.000Z" });

/**
 * The versions a conditional change accepts: any, or the one the caller
 * read (`undefined`: a version that cannot exist, so none matches).
 */
export type ExpectedVersion = { readonly any: true } | { readonly version: number | undefined };

/** A versioned resource's version: its strong ETag, and the condition of every write to it. */
export const versionSchema = z
  .number()
  .int()
  .min(1)
  .meta({ description: "Moves by one with every change; the ETag." });
