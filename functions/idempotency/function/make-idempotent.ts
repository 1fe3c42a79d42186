import { CommittingAttempt } from "../core/commit-strategy";
import { IdempotencyStrategy } from "../core/constants";
import {
  IdempotencyConfigurationError,
  IdempotencyLeaseLostError,
  IdempotencyResponseTooLargeError,
} from "../core/errors";
import { fingerprintOf } from "../core/fingerprint";
import { claimLease, type LeasedAttempt } from "../core/lease-strategy";
import { describeError } from "../core/logger";
import { outcomeOfError } from "../core/metrics";
import {
  type IdempotencyCoreOptions,
  leaseDurationMs,
  type RemainingTime,
  resolveCoreOptions,
} from "../core/options";
import { type RequestIdentity, recordKey } from "../core/record";

export interface MakeIdempotentOptions<TPayload, TWrite> extends IdempotencyCoreOptions<TWrite> {
  /**
   * Whose keys these are: a name that sets these records apart from every
   * other user of the table (HTTP callers included), such as
   * `"outbox-publisher"`.
   */
  readonly scope: string;
  /** The key of a payload: an event id, a message id, an order number. */
  readonly keyOf: (payload: TPayload) => string;
  /**
   * What makes two payloads under one key the same request (a JSON value).
   * @default the whole payload
   */
  readonly fingerprintOf?: (payload: TPayload) => unknown;
}

/** The handle an idempotent function receives. */
export interface FunctionIdempotencyHandle<TWrite> {
  readonly key: string;
  /**
   * The exactly-once path: commits `writes` and `result` (stored as JSON) in
   * ONE atomic write, and returns the result to return: `result`, or (commit
   * strategy) the result a duplicate committed first.
   *
   * @throws BusinessWriteRejectedError when a condition of `writes` failed:
   *   nothing was written; read again, decide again, commit again
   */
  commit<TResult>(writes: readonly TWrite[], result: TResult): Promise<TResult>;
}

export interface IdempotentResult<TResult> {
  readonly value: TResult;
  /** The value is the stored result of an earlier run: nothing ran this time. */
  readonly replayed: boolean;
}

/**
 * Makes any function of one payload (a batch record, a message, a command)
 * safe to run again: a repeat of a payload under the same key returns the
 * stored result and runs nothing. The function face of the layer, beside
 * the Middy middleware, in the shape of Powertools' `makeIdempotent`; unlike
 * it, the answer says whether it was a replay, which a batch consumer
 * counts.
 *
 * Results are stored as JSON (`undefined` as `null`). A thrown error stores
 * nothing: under the lease strategy the claim is released, so a retry runs
 * again at once.
 *
 * @example
 * const publishOnce = makeIdempotent(publish, {
 *   store, strategy: "lease", scope: "outbox-publisher", keyOf: (event) => event.id,
 * });
 * const { replayed } = await publishOnce(event, context);
 */
export function makeIdempotent<TPayload, TResult, TWrite = never>(
  fn: (payload: TPayload, handle: FunctionIdempotencyHandle<TWrite>) => Promise<TResult>,
  options: MakeIdempotentOptions<TPayload, TWrite>,
): (payload: TPayload, context?: RemainingTime) => Promise<IdempotentResult<TResult>> {
  const config = resolveCoreOptions(options);
  const fingerprintOfPayload = options.fingerprintOf ?? ((payload: TPayload) => payload);

  const serialize = (result: unknown): string => {
    const answer = JSON.stringify(result ?? null);
    const bytes = Buffer.byteLength(answer, "utf8");
    if (bytes > config.maxStoredAnswerBytes) {
      throw new IdempotencyResponseTooLargeError(
        `The result (${bytes} bytes) exceeds maxStoredAnswerBytes (${config.maxStoredAnswerBytes}).`,
      );
    }
    return answer;
  };
  const replayed = (answer: string): IdempotentResult<TResult> => {
    config.metrics.outcome("replayed");
    return { value: JSON.parse(answer) as TResult, replayed: true };
  };
  const executed = (value: TResult): IdempotentResult<TResult> => {
    config.metrics.outcome("executed");
    return { value, replayed: false };
  };

  const underCommit = async (
    payload: TPayload,
    key: string,
    identity: RequestIdentity,
  ): Promise<IdempotentResult<TResult>> => {
    const attempt = new CommittingAttempt(
      config.store,
      identity,
      config.retentionSeconds,
      config.now,
    );
    let replay: string | undefined;
    const value = await fn(payload, {
      key,
      commit: async (writes, result) => {
        if (attempt.settled) throw onceOnly();
        const outcome = await attempt.commit(writes, serialize(result));
        if (outcome.kind === "committed") return result;
        replay = outcome.answer;
        return JSON.parse(outcome.answer);
      },
    });
    if (replay !== undefined) return replayed(replay);
    if (attempt.settled) return executed(value);
    const outcome = await attempt.commit([], serialize(value));
    return outcome.kind === "committed" ? executed(value) : replayed(outcome.answer);
  };

  const underLease = async (
    payload: TPayload,
    key: string,
    identity: RequestIdentity,
    context: RemainingTime | undefined,
  ): Promise<IdempotentResult<TResult>> => {
    const claim = await claimLease(config.store, {
      ...identity,
      nowMs: config.now(),
      leaseMs: leaseDurationMs(context, config),
      retentionSeconds: config.retentionSeconds,
    });
    if (claim.kind === "replay") return replayed(claim.answer);
    const { attempt } = claim;
    let value: TResult;
    try {
      value = await fn(payload, {
        key,
        commit: async (writes, result) => {
          if (attempt.settled) throw onceOnly();
          await attempt.commit(writes, serialize(result), config.now());
          return result;
        },
      });
    } catch (error) {
      if (!attempt.settled) await release(attempt);
      throw error;
    }
    if (!attempt.settled) await complete(attempt, value);
    return executed(value);
  };

  const complete = async (attempt: LeasedAttempt<TWrite>, value: TResult) => {
    try {
      await attempt.complete(serialize(value), config.now());
    } catch (error) {
      if (error instanceof IdempotencyLeaseLostError) throw error;
      // The effects are done: the result stands. The key stays claimed until
      // its lease ends; a retry after that runs again (at least once).
      config.logger.error("idempotent result not stored", describeError(error));
      if (error instanceof IdempotencyResponseTooLargeError) await release(attempt);
    }
  };

  const release = async (attempt: LeasedAttempt<TWrite>) => {
    try {
      await attempt.release();
    } catch (error) {
      // The lease runs out on its own; a retry can take over then.
      config.logger.warn("idempotency claim not released", describeError(error));
    }
  };

  return async (payload, context) => {
    const key = options.keyOf(payload);
    if (typeof key !== "string" || key === "") {
      throw new IdempotencyConfigurationError("keyOf must return a non-empty string.");
    }
    const identity: RequestIdentity = {
      pk: recordKey(["function", options.scope], key),
      fingerprint: fingerprintOf(fingerprintOfPayload(payload)),
    };
    try {
      return await (config.strategy === IdempotencyStrategy.Commit
        ? underCommit(payload, key, identity)
        : underLease(payload, key, identity, context));
    } catch (error) {
      const outcome = outcomeOfError(error);
      if (outcome) config.metrics.outcome(outcome);
      throw error;
    }
  };
}

function onceOnly(): IdempotencyConfigurationError {
  return new IdempotencyConfigurationError("commit() may succeed once per run.");
}
