import type { Clock } from "./clock";
import { type PaymentsApiError, PaymentsApiNetworkError, PaymentsApiProblem } from "./errors";
import { problemFromBody } from "./problem-body";
import { parseRetryAfter } from "./retry-after";
import { isRetryableProblem, nextWait, type RetryOptions } from "./retry-policy";

/** What openapi-fetch gives back for one request. */
export interface Sent<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

/** A successful answer of the API. */
export interface Answer<T> {
  readonly data: T;
  readonly status: number;
  /**
   * True when the API answered with the stored answer of an earlier attempt
   * under the same key (`Idempotent-Replayed: true`): nothing ran again.
   */
  readonly replayed: boolean;
  /** The key the write was sent with (undefined for reads). */
  readonly idempotencyKey: string | undefined;
  readonly headers: Headers;
}

export interface CallContext {
  readonly operationId: string;
  readonly idempotencyKey: string | undefined;
  readonly retry: RetryOptions;
  readonly clock: Clock;
  readonly signal?: AbortSignal | undefined;
}

type Outcome<T> =
  | { readonly kind: "answer"; readonly answer: Answer<T> }
  | { readonly kind: "final"; readonly error: PaymentsApiError }
  | {
      readonly kind: "retryable";
      readonly error: PaymentsApiError;
      readonly retryAfterMs?: number;
    };

/**
 * Sends one logical call until it has a final answer: every attempt carries
 * the same Idempotency-Key, so however many reach the API, the write
 * happens once. Network errors, 409 idempotency-key-in-progress, 429, 502,
 * 503 and 504 are tried again after a jittered backoff (never sooner than
 * Retry-After) while the budget lasts; then the last error is thrown.
 */
export async function callWithRetries<T>(
  send: (signal: AbortSignal) => Promise<Sent<T>>,
  call: CallContext,
): Promise<Answer<T>> {
  const { clock } = call;
  const startedAt = clock.now();
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptOnce(
      send,
      call,
      attempt,
      call.retry.budgetMs - (clock.now() - startedAt),
    );
    if (outcome.kind === "answer") return outcome.answer;
    if (outcome.kind === "final") throw outcome.error;
    const wait = nextWait(
      {
        retry: attempt - 1,
        retryAfterMs: outcome.retryAfterMs,
        elapsedMs: clock.now() - startedAt,
        random: clock.random(),
      },
      call.retry,
    );
    if (wait === undefined) throw outcome.error;
    await clock.sleep(wait, call.signal);
  }
}

async function attemptOnce<T>(
  send: (signal: AbortSignal) => Promise<Sent<T>>,
  call: CallContext,
  attempt: number,
  remainingMs: number,
): Promise<Outcome<T>> {
  const about = {
    operationId: call.operationId,
    idempotencyKey: call.idempotencyKey,
    attempts: attempt,
  };
  // An attempt may not outlast the budget: a request left hanging is cut off.
  const budget = AbortSignal.timeout(Math.max(1, remainingMs));
  const signal = call.signal ? AbortSignal.any([call.signal, budget]) : budget;
  let sent: Sent<T>;
  try {
    sent = await send(signal);
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    const failure = new PaymentsApiNetworkError(error, about);
    return budget.aborted
      ? { kind: "final", error: failure }
      : { kind: "retryable", error: failure };
  }
  const { response } = sent;
  if (response.ok && sent.data !== undefined) {
    return {
      kind: "answer",
      answer: {
        data: sent.data,
        status: response.status,
        replayed: response.headers.get("idempotent-replayed") === "true",
        idempotencyKey: call.idempotencyKey,
        headers: response.headers,
      },
    };
  }
  if (response.ok) {
    return { kind: "final", error: new PaymentsApiNetworkError(new Error("empty answer"), about) };
  }
  const problem = problemFromBody(sent.error, response.status, response.statusText);
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), call.clock.now());
  const error = new PaymentsApiProblem(problem, about, retryAfterMs);
  if (!isRetryableProblem(error.status, error.slug)) return { kind: "final", error };
  return { kind: "retryable", error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}
