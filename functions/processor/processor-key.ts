import { createHash } from "node:crypto";

/** What a processor key is for: a charge's key can never collide with a refund's. */
export type ProcessorKeyPurpose = "charge" | "refund";

/**
 * The `Idempotency-Key` sent to the processor for one logical request.
 *
 * Derived ONLY from the request's identity (e.g. caller, route, path
 * parameters and the client's own key), never from the attempt: a retry, a
 * takeover after a crash and the reconciler all send the same key, so the
 * processor creates at most one charge or refund per logical request and
 * answers every later call with the first result. A SHA-256 of the identity
 * as one JSON array (an unambiguous encoding, as `recordKey`), base64url:
 * 53 or 54 characters whatever the identity, well inside Stripe's 255, and
 * the identity itself is never sent to the processor.
 *
 * @example
 * processorIdempotencyKey("charge", ["alice", "pay-order", orderId, clientKey]);
 * // "charge:Yk3…" (the same on every attempt)
 */
export function processorIdempotencyKey(
  purpose: ProcessorKeyPurpose,
  identity: readonly string[],
): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([purpose, ...identity]))
    .digest("base64url");
  return `${purpose}:${digest}`;
}
