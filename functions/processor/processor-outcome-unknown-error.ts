// Its own module: the problem renderer of every route knows it without
// bundling the processor's client.

/**
 * The processor's outcome is not known (it timed out, failed, dropped the
 * connection, or its circuit is open): nothing is decided and nothing is
 * stored; the same request resumes at the processor call, with the same
 * processor key, so it never charges twice. The HTTP layer answers 503
 * `payment-processor-unavailable` with Retry-After.
 */
export class ProcessorOutcomeUnknownError extends Error {
  constructor(readonly operation: "charge" | "refund") {
    super(`The processor's outcome of the ${operation} is not known yet`);
    this.name = "ProcessorOutcomeUnknownError";
  }
}
