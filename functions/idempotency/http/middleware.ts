import type { MiddlewareObj, Request } from "@middy/core";
import type { Context } from "aws-lambda";
import { CommittingAttempt } from "../core/commit-strategy";
import { IdempotencyStrategy } from "../core/constants";
import {
  BusinessWriteRejectedError,
  IdempotencyConfigurationError,
  IdempotencyError,
  IdempotencyLeaseLostError,
  IdempotencyResponseTooLargeError,
} from "../core/errors";
import { claimLease, type LeasedAttempt } from "../core/lease-strategy";
import { describeError } from "../core/logger";
import { type IdempotencyOutcome, outcomeOfError } from "../core/metrics";
import { leaseDurationMs } from "../core/options";
import { type RequestIdentity, recordKey } from "../core/record";
import { SAFE_METHODS } from "./constants";
import { type IdempotentHttpEvent, methodOf } from "./http-event";
import { requireIdempotencyKey } from "./key";
import { type IdempotencyOptions, resolveOptions } from "./options";
import { requestFingerprint } from "./request-fingerprint";
import {
  bodyBytes,
  type HttpResponse,
  type HttpResult,
  normalizeResponse,
  serializeStoredResponse,
  toReplayResponse,
  toStoredResponse,
} from "./response";

/**
 * The exactly-once path, handed to the handler: commits its business writes
 * and its answer in ONE atomic write. Return what it returns: the answer, or
 * (commit strategy) the answer of a duplicate that committed first, marked
 * as a replay.
 *
 * @throws BusinessWriteRejectedError when a condition of `writes` failed:
 *   nothing was written; read again, decide again, commit again
 * @throws IdempotencyKeyReusedError (commit strategy) when the key holds
 *   another request
 * @throws IdempotencyLeaseLostError (lease strategy) when a retry took the key over
 */
export type Commit<TWrite> = (
  writes: readonly TWrite[],
  answer: HttpResult,
) => Promise<HttpResponse>;

/** Handed to the handler on `context.idempotency` for a request that carries a key. */
export interface IdempotencyHandle<TWrite> {
  /** The request's key, as parsed from its header. */
  readonly key: string;
  readonly strategy: IdempotencyStrategy;
  readonly commit: Commit<TWrite>;
}

export type IdempotentContext<TWrite> = Context & {
  idempotency?: IdempotencyHandle<TWrite>;
};

/** The key of an HTTP request's record: the caller's scope and the key. */
export function callerRecordKey(principal: string, key: string): string {
  return recordKey(["caller", principal], key);
}

type Attempt<TWrite> =
  | { readonly strategy: "lease"; readonly attempt: LeasedAttempt<TWrite> }
  | { readonly strategy: "commit"; readonly attempt: CommittingAttempt<TWrite> };

/** One request's attempt: everything is derived once, before the handler runs. */
interface RequestState<TWrite> {
  readonly current: Attempt<TWrite>;
  /** The answer decided by a commit (the handler's, or a duplicate's replay). */
  answered?: HttpResponse;
}

type IdempotentRequest<TWrite> = Request<
  IdempotentHttpEvent,
  unknown,
  Error,
  IdempotentContext<TWrite>
>;

/**
 * Makes an HTTP handler safe to retry with an `Idempotency-Key` header.
 *
 * Under the **commit** strategy nothing is written before the handler: it
 * commits its writes through `context.idempotency.commit`, in one
 * transaction with the completed record, which succeeds only where no live
 * record holds the key. An answer without writes (a business 4xx) is stored
 * after the handler by one conditional put. A duplicate that loses either
 * race answers the winner's answer, marked as a replay; a key of another
 * request is 422. A 5xx or a thrown error stores nothing.
 *
 * Under the **lease** strategy the key is claimed before the handler runs
 * (a duplicate meanwhile gets 409), the answer below 500 is stored after it,
 * and a 5xx or a thrown error releases the claim.
 *
 * Register request validation BEFORE this middleware (a rejected request is
 * not stored) and the error renderer AFTER it (Middy runs `onError` in
 * reverse, so a business error is rendered before this middleware stores it):
 * `middy(handler).use(validation).use(idempotency({ store, strategy })).use(errorRenderer)`.
 *
 * @example
 * export const handler = middy(deposit)
 *   .use(idempotency({ store, strategy: "commit" }))
 *   .use(problemErrors());
 */
export function idempotency<TWrite>(
  options: IdempotencyOptions<TWrite>,
): MiddlewareObj<IdempotentHttpEvent, unknown, Error, IdempotentContext<TWrite>> {
  const config = resolveOptions(options);
  // Per request and invisible to other middlewares, so nothing can change
  // what was decided between the key's reading and its storing.
  const states = new WeakMap<object, RequestState<TWrite>>();
  const count = (outcome: IdempotencyOutcome | undefined) => {
    if (outcome) config.metrics.outcome(outcome);
  };
  /** Counts the outcome an error of the layer stands for, and throws it on. */
  const countAndThrow = (error: unknown): never => {
    count(outcomeOfError(error));
    throw error;
  };

  const before = async (request: IdempotentRequest<TWrite>): Promise<HttpResponse | undefined> => {
    const { event, context } = request;
    if (SAFE_METHODS.has(methodOf(event))) return undefined;

    const key = requireIdempotencyKey(event.headers, event.multiValueHeaders);
    const principal = config.getPrincipal(event);
    if (!principal) {
      throw new IdempotencyConfigurationError(
        "No principal to scope the idempotency key: authenticate before this middleware or set getPrincipal.",
      );
    }
    const identity: RequestIdentity = {
      pk: callerRecordKey(principal, key),
      fingerprint: requestFingerprint(event),
    };

    let current: Attempt<TWrite>;
    if (config.strategy === IdempotencyStrategy.Commit) {
      const attempt = new CommittingAttempt(
        config.store,
        identity,
        config.retentionSeconds,
        config.now,
      );
      current = { strategy: "commit", attempt };
    } else {
      const claim = await claimLease(config.store, {
        ...identity,
        nowMs: config.now(),
        leaseMs: leaseDurationMs(context, config),
        retentionSeconds: config.retentionSeconds,
      }).catch((error: unknown) => {
        logStoreFailure(error, "idempotency claim failed");
        return countAndThrow(error);
      });
      if (claim.kind === "replay") return replayOf(claim.answer);
      current = { strategy: "lease", attempt: claim.attempt };
    }
    const state: RequestState<TWrite> = { current };
    states.set(request, state);
    context.idempotency = {
      key,
      strategy: config.strategy,
      commit: (writes, answer) => commitThrough(state, writes, answer),
    };
    return undefined;
  };

  /** The stored form of an answer below 500 that fits, or why it cannot be stored. */
  const storable = (response: HttpResponse) => {
    const stored = toStoredResponse(response, config.storedHeaders);
    const bytes = bodyBytes(stored);
    return bytes > config.maxStoredAnswerBytes
      ? ({ fits: false, bytes } as const)
      : ({ fits: true, answer: serializeStoredResponse(stored) } as const);
  };

  const commitThrough = async (
    state: RequestState<TWrite>,
    writes: readonly TWrite[],
    result: HttpResult,
  ): Promise<HttpResponse> => {
    if (state.answered || state.current.attempt.settled) {
      throw new IdempotencyConfigurationError(
        "commit() may succeed once, before the handler returns.",
      );
    }
    const response = normalizeResponse(result);
    if (response.statusCode >= 500) {
      throw new IdempotencyConfigurationError("commit() stores answers below 500 only.");
    }
    const stored = storable(response);
    if (!stored.fits) {
      // Refused before anything is written.
      throw new IdempotencyResponseTooLargeError(
        `The answer (${stored.bytes} bytes) exceeds maxStoredAnswerBytes (${config.maxStoredAnswerBytes}).`,
      );
    }
    if (state.current.strategy === "lease") {
      await state.current.attempt.commit(writes, stored.answer, config.now()).catch(countAndThrow);
      count("executed");
      state.answered = response;
      return response;
    }
    const outcome = await state.current.attempt.commit(writes, stored.answer).catch(countAndThrow);
    state.answered = outcome.kind === "committed" ? executed(response) : replayOf(outcome.answer);
    return state.answered;
  };

  const executed = (response: HttpResponse): HttpResponse => {
    count("executed");
    return response;
  };

  const replayOf = (answer: string): HttpResponse => {
    count("replayed");
    config.logger.info("idempotent replay", { strategy: config.strategy });
    return toReplayResponse(answer);
  };

  /** Stores an answer that did not go through commit(); the stored answer may replace it. */
  const settle = async (
    state: RequestState<TWrite>,
    response: HttpResponse,
  ): Promise<HttpResponse> => {
    const { current } = state;
    const stored = response.statusCode < 500 ? storable(response) : undefined;
    if (stored && !stored.fits) {
      config.logger.error("idempotent answer too large to store", {
        bodyBytes: stored.bytes,
        maxStoredAnswerBytes: config.maxStoredAnswerBytes,
      });
    }
    if (current.strategy === "lease") {
      if (stored?.fits) await completeLease(current.attempt, stored.answer);
      else await release(current.attempt);
      return response;
    }
    // Commit strategy: a 5xx or an answer too large stores nothing; nothing was claimed.
    if (!stored?.fits) return response;
    try {
      const outcome = await current.attempt.commit([], stored.answer);
      return outcome.kind === "committed" ? executed(response) : replayOf(outcome.answer);
    } catch (error) {
      if (error instanceof BusinessWriteRejectedError) {
        // The record that refused the put expired meanwhile: the answer stands, unstored.
        return response;
      }
      if (!(error instanceof IdempotencyError)) throw error;
      // 422 for another request's key; and when the store fails, its 503 (or
      // 500): this answer changed nothing, so the client may as well retry
      // and get an answer that is stored.
      logStoreFailure(error, "idempotent answer not stored");
      count(outcomeOfError(error));
      return normalizeResponse(config.renderError(error));
    }
  };

  const completeLease = async (attempt: LeasedAttempt<TWrite>, answer: string) => {
    try {
      await attempt.complete(answer, config.now());
      count("executed");
    } catch (error) {
      if (error instanceof IdempotencyLeaseLostError) countAndThrow(error);
      // The handler's answer stands; the key stays claimed until its lease
      // runs out, so a retry in the meantime gets 409 and later runs again.
      config.logger.error("idempotent answer not stored", describeError(error));
    }
  };

  const release = async (attempt: LeasedAttempt<TWrite>): Promise<void> => {
    try {
      await attempt.release();
    } catch (error) {
      // The lease runs out on its own; a retry can take over then.
      config.logger.warn("idempotency claim not released", describeError(error));
    }
  };

  const logStoreFailure = (error: unknown, message: string) => {
    if (error instanceof IdempotencyError && error.statusCode < 500) return;
    config.logger.error(message, describeError(error));
  };

  /**
   * Whether nothing is left to store. Once the effect and its answer are
   * committed, that answer is the truth to tell, whatever the handler or a
   * later middleware did afterwards: it is put back.
   */
  const isSettled = (state: RequestState<TWrite>, request: IdempotentRequest<TWrite>) => {
    if (state.answered) request.response = state.answered;
    return state.answered !== undefined || state.current.attempt.settled;
  };

  const after = async (request: IdempotentRequest<TWrite>): Promise<void> => {
    const state = states.get(request);
    if (!state || isSettled(state, request)) return;
    request.response = await settle(state, normalizeResponse(request.response));
  };

  const onError = async (request: IdempotentRequest<TWrite>): Promise<void> => {
    const state = states.get(request);
    if (!state || isSettled(state, request)) return;
    const rendered = request.response;
    if (rendered === undefined || rendered === null) {
      // Nothing to answer with: release a lease; a commit attempt holds nothing.
      if (state.current.strategy === "lease") await release(state.current.attempt);
      return;
    }
    try {
      request.response = await settle(state, normalizeResponse(rendered));
    } catch (error) {
      // Lease lost while storing a rendered business error: nothing of this
      // attempt was committed, and the key's owner answers retries. The
      // rendered answer stands.
      config.logger.warn("idempotent answer not stored", describeError(error));
    }
  };

  return { before, after, onError };
}
