import * as z from "zod";

/** A versioned resource's version: its strong ETag, and the condition of every write to it. */
export const versionSchema = z
  .number()
  .int()
  .min(1)
  .meta({ description: "Moves by one with every change; the ETag." });
