import type { MiddlewareObj, Request } from "@middy/core";
import type { Context } from "aws-lambda";
import type { IdempotentAttempt } from "../core/attempt";
import { beginAttempt } from "../core/begin-attempt";
import type { Commit } from "../core/commit";
import type { IdempotencyStrategy } from "../core/constants";
import { describeError } from "../core/describe-error";
import { IdempotencyConfigurationError, IdempotencyError } from "../core/errors";
import { type RequestIdentity, recordKey } from "../core/record";
import { SAFE_METHODS } from "./constants";
import { commitHttpAnswer, storableAnswer } from "./http-commit";
import { type IdempotentHttpEvent, methodOf } from "./http-event";
import { requireIdempotencyKey } from "./key";
import { type IdempotencyOptions, resolveOptions } from "./options";
import { requestFingerprint } from "./request-fingerprint";
import {
  type HttpResponse,
  type HttpResult,
  normalizeResponse,
  toReplayResponse,
} from "./response";

/** Handed to the handler on `context.idempotency` for a request that carries a key. */
export interface IdempotencyHandle<TWrite> {
  /** The request's key, as parsed from its header. */
  readonly key: string;
  /**
   * The record's key and the request's fingerprint: what a process other
   * than this request's retry (a reconciler) needs to resume it as the retry
   * would, through `beginAttempt`.
   */
  readonly identity: RequestIdentity;
  readonly strategy: IdempotencyStrategy;
  /**
   * Commits the handler's writes and its HTTP answer in one atomic write;
   * returns the answer, or (commit strategy) the replay of the answer a
   * duplicate committed first. See {@link Commit}.
   */
  readonly commit: Commit<TWrite, HttpResult>;
  /**
   * Lease strategy: the last phase an earlier attempt of this request
   * committed (see `advance`), where this attempt resumes; `undefined` from
   * the beginning.
   */
  readonly recoveryPoint: string | undefined;
  /**
   * Lease strategy: commits a phase, `writes` and the record's move to
   * `point` in one atomic write, so that an attempt that takes over (after a
   * crash, or after this one answered 5xx) resumes after it.
   *
   * @throws BusinessWriteRejectedError when a condition of `writes` failed
   * @throws IdempotencyLeaseLostError when a retry took the key over
   */
  advance(point: string, writes?: readonly TWrite[]): Promise<void>;
}

export type IdempotentContext<TWrite> = Context & {
  idempotency?: IdempotencyHandle<TWrite>;
};

/** The key of an HTTP request's record: the caller's scope and the key. */
export function callerRecordKey(principal: string, key: string): string {
  return recordKey(["caller", principal], key);
}

/** One request's attempt: everything is derived once, before the handler runs. */
interface RequestState<TWrite> {
  readonly attempt: IdempotentAttempt<TWrite>;
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
    const begun = await beginAttempt(config, identity, context);
    if (begun.kind === "replay") return toReplayResponse(begun.answer);
    const { attempt } = begun;
    const state: RequestState<TWrite> = { attempt };
    states.set(request, state);
    context.idempotency = {
      key,
      identity,
      strategy: config.strategy,
      recoveryPoint: attempt.recoveryPoint,
      advance: (point, writes) => attempt.advance(point, writes),
      commit: (writes, answer) => commitThrough(state, writes, answer),
    };
    return undefined;
  };

  const answerOptions = {
    storedHeaders: config.storedHeaders,
    maxStoredAnswerBytes: config.maxStoredAnswerBytes,
  };

  const commitThrough = async (
    state: RequestState<TWrite>,
    writes: readonly TWrite[],
    result: HttpResult,
  ): Promise<HttpResponse> => {
    if (state.answered || state.attempt.settled) {
      throw new IdempotencyConfigurationError(
        "commit() may succeed once, before the handler returns.",
      );
    }
    state.answered = await commitHttpAnswer(state.attempt, writes, result, answerOptions);
    return state.answered;
  };

  /**
   * Stores an answer that did not go through commit(); the stored answer may
   * replace it. A 5xx, or an answer too large to store, ends the attempt
   * with nothing stored: a retry runs again (from its recovery point, if any).
   */
  const settle = async (
    state: RequestState<TWrite>,
    response: HttpResponse,
  ): Promise<HttpResponse> => {
    const stored = response.statusCode < 500 ? storableAnswer(response, answerOptions) : undefined;
    if (stored && !stored.fits) {
      config.logger.error("idempotent answer too large to store", {
        bodyBytes: stored.bytes,
        maxStoredAnswerBytes: config.maxStoredAnswerBytes,
      });
    }
    if (!stored?.fits) {
      await state.attempt.abandon();
      return response;
    }
    try {
      const settlement = await state.attempt.finish(stored.answer);
      return settlement.kind === "replay" ? toReplayResponse(settlement.answer) : response;
    } catch (error) {
      if (!(error instanceof IdempotencyError)) throw error;
      // 422 for another request's key, 409 for a lost lease; and when the
      // store fails under the commit strategy, its 503 (or 500): this answer
      // changed nothing, so the client may as well retry and get one that is stored.
      if (error.statusCode >= 500) {
        config.logger.error("idempotent answer not stored", describeError(error));
      }
      return normalizeResponse(config.renderError(error));
    }
  };

  /**
   * Whether nothing is left to store. Once the effect and its answer are
   * committed, that answer is the truth to tell, whatever the handler or a
   * later middleware did afterwards: it is put back.
   */
  const isSettled = (state: RequestState<TWrite>, request: IdempotentRequest<TWrite>) => {
    if (state.answered) request.response = state.answered;
    return state.answered !== undefined || state.attempt.settled;
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
    if (request.error instanceof IdempotencyError) {
      // The layer's own refusal, raised inside the handler (the key's effect
      // belongs to another request, a lease was lost): an answer about the
      // key, not the request's outcome, so it is never stored as that.
      await state.attempt.abandon();
      return;
    }
    if (rendered === undefined || rendered === null) {
      // Nothing to answer with: let go of the key (a commit attempt holds nothing).
      await state.attempt.abandon();
      return;
    }
    try {
      // A lost lease answers 409 (the key's owner answers retries), as after a handler's return.
      request.response = await settle(state, normalizeResponse(rendered));
    } catch (error) {
      // Not the layer's error (settle renders those): the rendered answer stands.
      config.logger.warn("idempotent answer not stored", describeError(error));
    }
  };

  return { before, after, onError };
}
