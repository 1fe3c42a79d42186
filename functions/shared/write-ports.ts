import type { Commit, RequestIdentity } from "../idempotency";

/**
 * What every write use case receives besides its repositories: the
 * exactly-once commit of its result, a clock, its time left, and the
 * correlation id it carries into its events. `TResult` is the domain value
 * the use case answers with (an account, a payment, a refusal it commits).
 */
export interface WritePorts<TWrite, TResult> {
  /**
   * The idempotency layer's `Commit` of the use case's result: the business
   * writes and the answer made of `result`, in one transaction; returns
   * `result`. When a duplicate committed first, the request answers the
   * duplicate's stored answer, whatever the use case returns afterwards.
   */
  commit<TCommitted extends TResult>(
    writes: readonly TWrite[],
    result: TCommitted,
  ): Promise<TCommitted>;
  readonly now: () => Date;
  /** How long the invocation may still run: it bounds the retries of a lost race. */
  readonly remainingTimeMs: () => number;
  /** The request's correlation id, carried into the outbox events it writes. */
  readonly correlationId: string;
  /**
   * The request's identity under the idempotency layer (its record's key
   * and its fingerprint): a movement is written once per identity.
   * Absent for a request the layer does not see.
   */
  readonly identity?: RequestIdentity | undefined;
}

/**
 * The phases of a request's attempt (lease strategy): where an earlier
 * attempt stopped, and how to commit the next phase. The idempotency
 * layer's handle is one; so is the attempt a reconciler resumes.
 */
export interface AttemptPhases<TWrite> {
  /** The request's identity: a processor key and the reconciler derive from it. */
  readonly identity: RequestIdentity;
  readonly recoveryPoint: string | undefined;
  advance(point: string, writes: readonly TWrite[]): Promise<void>;
}

/**
 * The use case's commit over a commit of answers: `result` is committed as
 * the answer `answerOf` makes of it (an HTTP route's, wherever the request
 * is completed: its own attempt, or the reconciler resuming it).
 */
export function commitAsAnswer<TWrite, TResult, TAnswer>(
  commitAnswer: Commit<TWrite, TAnswer>,
  answerOf: (result: TResult) => TAnswer,
): WritePorts<TWrite, TResult>["commit"] {
  return async (writes, result) => {
    // A duplicate's committed answer replaces this one (the HTTP face puts it back).
    await commitAnswer(writes, answerOf(result));
    return result;
  };
}
