// Its own module, like RacesLostError: the problem renderer of every route knows it.

/**
 * The request's movement is queued on a contended account and was not
 * written before the invocation ran short of time. It stays queued and is
 * written exactly once, by the next fold of its account; a retry with the
 * same Idempotency-Key finds it and answers its outcome. The HTTP layer
 * answers it 503 with Retry-After.
 */
export class MovementPendingError extends Error {
  constructor() {
    super("The movement is queued and was not written before the deadline");
    this.name = "MovementPendingError";
  }
}
