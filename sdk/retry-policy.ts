/** When a call is tried again, and how long it waits before it is. */

export interface RetryOptions {
  /** The whole call, every attempt and wait included, ends within this. @default 30_000 */
  readonly budgetMs: number;
  /** The first backoff's ceiling; it doubles with each retry. @default 100 */
  readonly baseDelayMs: number;
  /** No single wait is longer, a server's Retry-After included. @default 5_000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  budgetMs: 30_000,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
};

/** The slug of the one 409 that means "not finished yet", not "refused". */
export const IN_PROGRESS_SLUG = "idempotency-key-in-progress";

/** Statuses that say "try again later"; every other answer is final. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Whether a problem answer is worth another attempt. A 409 is retried only
 * when the key's first request is still running: business 409s
 * (insufficient-funds, order-already-paid, ...) give the same answer again.
 */
export function isRetryableProblem(status: number, slug: string): boolean {
  return RETRYABLE_STATUSES.has(status) || (status === 409 && slug === IN_PROGRESS_SLUG);
}

/** Full jitter over a capped exponential backoff: anywhere in [0, min(max, base × 2^retry)). */
export function backoffDelay(retry: number, options: RetryOptions, random: number): number {
  return random * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
}

export interface WaitInput {
  /** Retries already made (0 before the first). */
  readonly retry: number;
  /** What the server asked for, when it did. */
  readonly retryAfterMs: number | undefined;
  /** Time spent on the call so far. */
  readonly elapsedMs: number;
  /** A number in [0, 1). */
  readonly random: number;
}

/**
 * How long to wait before the next attempt, or undefined to give up: when
 * the server asks for longer than one wait may last, or when the wait would
 * end past the budget. Never sooner than the server asked.
 */
export function nextWait(input: WaitInput, options: RetryOptions): number | undefined {
  const jittered = backoffDelay(input.retry, options, input.random);
  const wait = Math.max(input.retryAfterMs ?? 0, jittered);
  if (wait > options.maxDelayMs) return undefined;
  if (input.elapsedMs + wait >= options.budgetMs) return undefined;
  return wait;
}
