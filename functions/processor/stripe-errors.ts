import Stripe from "stripe";
import type { UnknownReason } from "./payment-processor";
import { ProcessorRequestError } from "./processor-request-error";

/**
 * What a `stripe` client error means for the caller: an outcome not known
 * yet (retry later with the same key), or our own fault.
 */

/**
 * Why the outcome is unknown, or undefined when the error is an answer.
 * - no answer: a timeout, a dropped or refused connection;
 * - 5xx: the processor failed, perhaps after acting;
 * - 409 `idempotency_error`: the first request under the key still runs;
 * - 429: the processor shed the request (not done; retry later).
 */
export function unknownReasonOf(error: unknown): UnknownReason | undefined {
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return isTimeout(error) ? "timeout" : "connection";
  }
  if (!(error instanceof Stripe.errors.StripeError)) return undefined;
  if (error.statusCode === 409) return "in-progress";
  if (error.statusCode === 429 || (error.statusCode ?? 0) >= 500) return "server-error";
  return undefined;
}

/** The error to throw for an answer that is our own fault (see ProcessorRequestError). */
export function requestErrorOf(
  operation: "charge" | "refund",
  error: unknown,
): ProcessorRequestError | Error {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return new ProcessorRequestError(
    operation,
    {
      statusCode: error.statusCode,
      type: error.rawType ?? error.type,
      code: error.code,
      requestId: error.requestId,
    },
    { cause: error },
  );
}

// The client reports its own per-attempt timeout as a connection error whose
// detail carries ETIMEDOUT.
function isTimeout(error: Stripe.errors.StripeConnectionError): boolean {
  const detail: unknown = error.detail;
  return (
    typeof detail === "object" && detail !== null && "code" in detail && detail.code === "ETIMEDOUT"
  );
}
