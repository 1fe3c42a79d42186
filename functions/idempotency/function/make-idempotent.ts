import { beginAttempt } from "../core/begin-attempt";
import { describeError } from "../core/describe-error";
import { IdempotencyConfigurationError, IdempotencyResponseTooLargeError } from "../core/errors";
import { fingerprintOf } from "../core/fingerprint";
import {
  type IdempotencyCoreOptions,
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
  /** The exactly-once path: a `Commit` (core/commit.ts) of a result of any type, stored as JSON. */
  commit<TResult>(writes: readonly TWrite[], result: TResult): Promise<TResult>;
  /**
   * Lease strategy: the last phase an earlier run of this payload committed
   * (see `advance`), where this run resumes; `undefined` from the beginning.
   */
  readonly recoveryPoint: string | undefined;
  /**
   * Lease strategy: commits a phase, `writes` and the move to `point` in one
   * atomic write, so that a run that takes over after a crash resumes after it.
   *
   * @throws BusinessWriteRejectedError when a condition of `writes` failed
   * @throws IdempotencyLeaseLostError when another run took the key over
   */
  advance(point: string, writes?: readonly TWrite[]): Promise<void>;
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

  /** The result as stored, or undefined (logged) when it is too large to store. */
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
  const replayOf = (answer: string): IdempotentResult<TResult> => ({
    value: JSON.parse(answer) as TResult,
    replayed: true,
  });

  return async (payload, context) => {
    const key = options.keyOf(payload);
    if (typeof key !== "string" || key === "") {
      throw new IdempotencyConfigurationError("keyOf must return a non-empty string.");
    }
    const identity: RequestIdentity = {
      pk: recordKey(["function", options.scope], key),
      fingerprint: fingerprintOf(fingerprintOfPayload(payload)),
    };
    const begun = await beginAttempt(config, identity, context);
    if (begun.kind === "replay") return replayOf(begun.answer);
    const { attempt } = begun;

    let replay: string | undefined;
    let value: TResult;
    try {
      value = await fn(payload, {
        key,
        recoveryPoint: attempt.recoveryPoint,
        advance: (point, writes) => attempt.advance(point, writes),
        commit: async (writes, result) => {
          if (attempt.settled) throw onceOnly();
          const settlement = await attempt.commit(writes, serialize(result));
          if (settlement.kind !== "replay") return result;
          replay = settlement.answer;
          return JSON.parse(settlement.answer);
        },
      });
    } catch (error) {
      // Nothing to store: a retry runs again (from the recovery point, if any).
      await attempt.abandon();
      throw error;
    }
    if (replay !== undefined) return replayOf(replay);
    if (attempt.settled) return { value, replayed: false };
    let answer: string;
    try {
      answer = serialize(value);
    } catch (error) {
      // The result stands, unstored: a retry runs again.
      config.logger.error("idempotent result not stored", describeError(error));
      await attempt.abandon();
      return { value, replayed: false };
    }
    const settlement = await attempt.finish(answer);
    return settlement.kind === "replay" ? replayOf(settlement.answer) : { value, replayed: false };
  };
}

function onceOnly(): IdempotencyConfigurationError {
  return new IdempotencyConfigurationError("commit() may succeed once per run.");
}
