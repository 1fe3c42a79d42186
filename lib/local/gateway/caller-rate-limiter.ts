import { performance } from "node:perf_hooks";

/**
 * The local stand-in for the stack's WAF rate-based rule: each caller may
 * send `limit` requests per window of `windowSeconds`, so that one caller
 * cannot starve every other. A fixed window per caller, started by its first
 * request (WAF counts over a trailing window: at a window's edge a caller
 * may get up to twice the limit through here in a short burst).
 *
 * Memory is bounded: callers whose window has ended are forgotten, and at
 * most `maxTrackedCallers` are tracked. Past that cap a new caller evicts the
 * one whose window started first, which then starts afresh: a flood of
 * distinct callers makes the limit laxer, never refuses anyone else.
 */

/** @see CallerRateLimiter */
export interface CallerRateLimitOptions {
  /** Requests each caller may send per window; at least 1. */
  readonly limit: number;
  /** Length of each caller's window. */
  readonly windowSeconds: number;
  /** @default DEFAULT_MAX_TRACKED_CALLERS */
  readonly maxTrackedCallers?: number;
  /** Milliseconds on a clock that never goes back. @default performance.now */
  readonly now?: () => number;
}

export type RateDecision =
  | { readonly allowed: true }
  /** Whole seconds until the caller's window has room again, at least 1. */
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/** How many callers are tracked at most. */
export const DEFAULT_MAX_TRACKED_CALLERS = 10_000;

const ALLOWED: RateDecision = { allowed: true };

interface CallerWindow {
  readonly startedAtMs: number;
  count: number;
}

export class CallerRateLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxTrackedCallers: number;
  private readonly now: () => number;
  /** In the order the windows started: the oldest ends first. */
  private readonly windows = new Map<string, CallerWindow>();

  constructor(options: CallerRateLimitOptions) {
    const maxTrackedCallers = options.maxTrackedCallers ?? DEFAULT_MAX_TRACKED_CALLERS;
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`The rate limit must be a whole number of at least 1: ${options.limit}`);
    }
    if (!(options.windowSeconds > 0)) {
      throw new RangeError(`The rate limit's window must be positive: ${options.windowSeconds}`);
    }
    if (!Number.isInteger(maxTrackedCallers) || maxTrackedCallers < 1) {
      throw new RangeError(`maxTrackedCallers must be a whole number of at least 1`);
    }
    this.limit = options.limit;
    this.windowMs = options.windowSeconds * 1000;
    this.maxTrackedCallers = maxTrackedCallers;
    this.now = options.now ?? (() => performance.now());
  }

  /** Counts a request of `caller` and says whether it may go on. */
  take(caller: string): RateDecision {
    const nowMs = this.now();
    this.forgetEndedWindows(nowMs);
    let window = this.windows.get(caller);
    if (!window) {
      if (this.windows.size >= this.maxTrackedCallers) this.evictOldest();
      window = { startedAtMs: nowMs, count: 0 };
      this.windows.set(caller, window);
    }
    if (window.count < this.limit) {
      window.count += 1;
      return ALLOWED;
    }
    const remainingMs = window.startedAtMs + this.windowMs - nowMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
  }

  /** How many callers are tracked now. */
  get trackedCallers(): number {
    return this.windows.size;
  }

  private forgetEndedWindows(nowMs: number): void {
    for (const [caller, window] of this.windows) {
      if (window.startedAtMs + this.windowMs > nowMs) return;
      this.windows.delete(caller);
    }
  }

  private evictOldest(): void {
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}
