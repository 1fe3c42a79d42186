import { randomUUID } from "node:crypto";
import type { MiddlewareObj, Request } from "@middy/core";
import type { Context } from "aws-lambda";
import { type IdempotencyOptions, resolveOptions } from "./config";
import { RecordStatus, SAFE_METHODS, STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from "./constants";
import { decide } from "./decide";
import {
  IdempotencyConfigurationError,
  IdempotencyError,
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyLeaseLostError,
  IdempotencyResponseTooLargeError,
  IdempotencyStoreUnavailableError,
} from "./errors";
import { fingerprint } from "./fingerprint";
import { type IdempotentHttpEvent, methodOf, routeOf } from "./http-event";
import { requireIdempotencyKey } from "./key";
import { describeError } from "./logger";
import { type InProgressRecord, type Lease, recordKey, toEpochSeconds } from "./record";
import {
  bodyBytes,
  type HttpResponse,
  normalizeResponse,
  toReplayResponse,
  toStoredResponse,
} from "./response";

/**
 * Handed to the handler on `context.idempotency` once its key is claimed.
 */
export interface IdempotencyHandle<TWrite> {
  /** The request's key, as parsed from its header. */
  readonly key: string;
  /**
   * The exactly-once path: commits the handler's business writes and this
   * record's completion (with `result` as the stored answer) in ONE atomic
   * write. Either both happen or neither does. Return what it returns.
   *
   * @throws BusinessWriteRejectedError when a condition of `writes` failed:
   *   nothing was written; answer with a business error (stored as usual)
   * @throws IdempotencyLeaseLostError when a retry took the key over
   */
  commit(writes: readonly TWrite[], result: unknown): Promise<HttpResponse>;
}

export type IdempotentContext<TWrite> = Context & {
  idempotency?: IdempotencyHandle<TWrite>;
};

/** One claimed attempt: everything is derived once, at claim time. */
interface ClaimedAttempt {
  readonly lease: Lease;
  /** Set once the record is completed, released or lost: nothing more to do. */
  settled: boolean;
  /** The answer committed together with the business writes. */
  committed?: HttpResponse;
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
 * - before: reads the key, claims it with one conditional write, and either
 *   lets the handler run or answers at once (replay, 409, 422);
 * - after: stores an answer below 500 and replays it from then on; releases
 *   the claim on a 5xx so that a retry runs again;
 * - onError: releases the claim, unless an error middleware registered AFTER
 *   this one (Middy runs `onError` in reverse) rendered a business answer
 *   below 500, which is stored like a returned one.
 *
 * Register request validation BEFORE this middleware (a rejected request is
 * not stored) and the error renderer AFTER it:
 * `middy(handler).use(validation).use(idempotency({ store })).use(problemErrors())`.
 */
export function idempotency<TWrite>(
  options: IdempotencyOptions<TWrite>,
): MiddlewareObj<IdempotentHttpEvent, unknown, Error, IdempotentContext<TWrite>> {
  const config = resolveOptions(options);
  // Per request and invisible to other middlewares, so nothing can change
  // what was claimed between claim and completion.
  const attempts = new WeakMap<object, ClaimedAttempt>();

  const before = async (request: IdempotentRequest<TWrite>): Promise<HttpResponse | undefined> => {
    const { event, context } = request;
    const method = methodOf(event);
    if (SAFE_METHODS.has(method)) return undefined;

    const key = requireIdempotencyKey(event.headers, event.multiValueHeaders);
    const principal = config.getPrincipal(event);
    if (!principal) {
      throw new IdempotencyConfigurationError(
        "No principal to scope the idempotency key: authenticate before this middleware or set getPrincipal.",
      );
    }
    const nowMs = config.now();
    const record: InProgressRecord = {
      pk: recordKey(principal, key),
      status: RecordStatus.InProgress,
      fingerprint: fingerprint({
        method,
        route: routeOf(event),
        pathParameters: event.pathParameters,
        body: event.body,
        isBase64Encoded: event.isBase64Encoded,
      }),
      leaseToken: randomUUID(),
      leaseExpiresAtMs:
        nowMs + leaseDurationMs(context, config.leaseMarginMs, config.leaseWithoutDeadlineMs),
      expiresAt: toEpochSeconds(nowMs) + config.retentionSeconds,
      createdAtMs: nowMs,
    };

    const claim = await config.store.claim(record, nowMs).catch((error: unknown) => {
      config.logger.error("idempotency claim failed", describeError(error));
      throw error instanceof IdempotencyError
        ? error
        : new IdempotencyStoreUnavailableError(STORE_UNAVAILABLE_RETRY_AFTER_SECONDS, {
            cause: error,
          });
    });

    if (claim.claimed) {
      const attempt: ClaimedAttempt = {
        lease: { pk: record.pk, leaseToken: record.leaseToken },
        settled: false,
      };
      attempts.set(request, attempt);
      context.idempotency = { key, commit: (writes, result) => commit(attempt, writes, result) };
      return undefined;
    }

    const decision = decide(claim.existing, record.fingerprint, nowMs);
    switch (decision.kind) {
      case "replay":
        config.logger.info("idempotent replay", { statusCode: decision.response.statusCode });
        return toReplayResponse(decision.response);
      case "mismatch":
        throw new IdempotencyKeyReusedError();
      case "in-progress":
        throw new IdempotencyKeyInProgressError(decision.retryAfterSeconds);
      case "proceed":
        // The store refused the claim but the record it returned would allow
        // it: the record changed in between. Ask for a retry, never run twice.
        throw new IdempotencyKeyInProgressError(1);
    }
  };

  const commit = async (
    attempt: ClaimedAttempt,
    writes: readonly TWrite[],
    result: unknown,
  ): Promise<HttpResponse> => {
    if (attempt.settled || attempt.committed) {
      throw new IdempotencyConfigurationError(
        "commit() may be called once, before the handler returns.",
      );
    }
    const response = normalizeResponse(result);
    const stored = toStoredResponse(response, config.storedHeaders);
    if (response.statusCode >= 500) {
      throw new IdempotencyConfigurationError("commit() stores answers below 500 only.");
    }
    if (bodyBytes(stored) > config.maxStoredBodyBytes) {
      // Refused before anything is written: the claim is released by onError.
      throw new IdempotencyResponseTooLargeError(
        `The answer (${bodyBytes(stored)} bytes) exceeds maxStoredBodyBytes (${config.maxStoredBodyBytes}).`,
      );
    }
    try {
      await config.store.complete(attempt.lease, stored, config.now(), writes);
    } catch (error) {
      if (error instanceof IdempotencyLeaseLostError) attempt.settled = true;
      throw error;
    }
    attempt.committed = response;
    return response;
  };

  /** Stores an answer below 500; releases the claim otherwise. */
  const settle = async (attempt: ClaimedAttempt, response: HttpResponse): Promise<void> => {
    attempt.settled = true;
    if (response.statusCode >= 500) {
      await release(attempt);
      return;
    }
    const stored = toStoredResponse(response, config.storedHeaders);
    if (bodyBytes(stored) > config.maxStoredBodyBytes) {
      config.logger.error("idempotent answer too large to store; claim released", {
        bodyBytes: bodyBytes(stored),
        maxStoredBodyBytes: config.maxStoredBodyBytes,
      });
      await release(attempt);
      return;
    }
    try {
      await config.store.complete(attempt.lease, stored, config.now());
    } catch (error) {
      if (error instanceof IdempotencyLeaseLostError) throw error;
      // The handler's answer stands; the key stays claimed until its lease
      // runs out, so a retry in the meantime gets 409 and later runs again.
      config.logger.error("idempotent answer not stored", describeError(error));
    }
  };

  const release = async (attempt: ClaimedAttempt): Promise<void> => {
    attempt.settled = true;
    try {
      await config.store.release(attempt.lease);
    } catch (error) {
      // The lease runs out on its own; a retry can take over then.
      config.logger.warn("idempotency claim not released", describeError(error));
    }
  };

  /**
   * Once the effect and its answer are committed, that answer is the truth
   * to tell, whatever the handler or a later middleware did afterwards.
   */
  const answerCommitted = (attempt: ClaimedAttempt, request: IdempotentRequest<TWrite>) => {
    if (!attempt.committed) return false;
    attempt.settled = true;
    request.response = attempt.committed;
    return true;
  };

  const after = async (request: IdempotentRequest<TWrite>): Promise<void> => {
    const attempt = attempts.get(request);
    if (!attempt || attempt.settled || answerCommitted(attempt, request)) return;
    const response = normalizeResponse(request.response);
    request.response = response;
    await settle(attempt, response);
  };

  const onError = async (request: IdempotentRequest<TWrite>): Promise<void> => {
    const attempt = attempts.get(request);
    if (!attempt || attempt.settled || answerCommitted(attempt, request)) return;
    const rendered = request.response;
    if (rendered === undefined || rendered === null) {
      await release(attempt);
      return;
    }
    const response = normalizeResponse(rendered);
    request.response = response;
    try {
      await settle(attempt, response);
    } catch (error) {
      // Lease lost while storing a rendered business error: nothing of this
      // attempt was committed, and the key's owner answers retries.
      config.logger.warn("idempotency lease lost before completion", describeError(error));
    }
  };

  return { before, after, onError };
}

/** The invocation's remaining time plus a margin: the lease never outlives the attempt by more. */
function leaseDurationMs(
  context: Context | undefined,
  marginMs: number,
  withoutDeadlineMs: number,
): number {
  const remaining =
    typeof context?.getRemainingTimeInMillis === "function"
      ? context.getRemainingTimeInMillis()
      : undefined;
  return remaining !== undefined && Number.isFinite(remaining) && remaining > 0
    ? remaining + marginMs
    : withoutDeadlineMs;
}
