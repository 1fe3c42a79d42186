// Its own module: the problem renderer of every route (docs and health
// included) knows it without bundling the optimistic retry's idempotency import.

/**
 * Every round of a read-decide-commit lost its race until the invocation
 * ran short of time: nothing was written, and a retry (later, with less
 * contention) can succeed. The HTTP layer answers it 503 with Retry-After.
 */
export class RacesLostError extends Error {
  constructor(options?: ErrorOptions) {
    super("Every round lost its race before the deadline", options);
    this.name = "RacesLostError";
  }
}
