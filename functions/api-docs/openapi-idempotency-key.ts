import * as z from "zod";

/**
 * An `Idempotency-Key` header value the API accepts (functions/idempotency/http/key.ts):
 * a bare key of 1–255 visible ASCII characters without a comma that does not
 * start with a double quote, or the same key as an RFC 8941 structured-field
 * string (`"abc"`, where `\"` and `\\` escape a quote and a backslash).
 */
export const IDEMPOTENCY_KEY_PATTERN =
  /^(?:[\x21\x23-\x2B\x2D-\x7E][\x21-\x2B\x2D-\x7E]{0,254}|"(?:[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]|\\[\x22\x5C]){1,255}")$/;

const description = [
  "Makes the write safe to retry: send the same key with the same request and you get the first answer again",
  "(with `Idempotent-Replayed: true`), and the money moves once. One key per logical operation, reused on every",
  "retry of it; a new operation needs a new key. 1–255 visible ASCII characters (0x21–0x7E) without a comma,",
  'bare (`abc`) or as a structured-field string (`"abc"`, the same key). Kept 24 hours by default.',
  "Missing: 400 `idempotency-key-missing`; malformed: 400 `idempotency-key-invalid`;",
  "used before for another request: 422 `idempotency-key-reused`.",
].join(" ");

/** The reusable `Idempotency-Key` header parameter (components.parameters.IdempotencyKey). */
export const idempotencyKeyParameter = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN)
  .meta({
    example: "9f1c2b7e-4d5a-4c1e-9e0b-3b7d2f6a8c10",
    param: { id: "IdempotencyKey", in: "header", name: "Idempotency-Key", description },
  });
