import * as z from "zod";

/**
 * A moment as the API writes it: `Date.prototype.toISOString()`, an ISO 8601
 * UTC string (`format: date-time` in the OpenAPI document).
 */
export const timestampSchema = z.iso
  .datetime()
  .meta({ description: "ISO 8601, UTC.", example: "2026-01-31T09:30:00.000Z" });
