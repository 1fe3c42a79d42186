import fc from "fast-check";
import { parseRetryAfter } from "../../../sdk/retry-after";
import {
  backoffDelay,
  DEFAULT_RETRY_OPTIONS,
  isRetryableProblem,
  nextWait,
  type RetryOptions,
} from "../../../sdk/retry-policy";

const options: RetryOptions = { budgetMs: 30_000, baseDelayMs: 100, maxDelayMs: 5_000 };
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("the SDK's retry policy", () => {
  it.each([
    [429, "rate-limited"],
    [502, "bad-gateway"],
    [503, "service-unavailable"],
    [503, "idempotency-store-unavailable"],
    [504, "gateway-timeout"],
    [409, "idempotency-key-in-progress"],
  ])("retries %i %s", (status, slug) => {
    expect(isRetryableProblem(status, slug)).toBe(true);
  });

  it.each([
    [400, "validation-error"],
    [401, "unauthorized"],
    [404, "not-found"],
    [409, "insufficient-funds"],
    [409, "order-already-paid"],
    [412, "precondition-failed"],
    [422, "idempotency-key-reused"],
    [500, "internal-error"],
  ])("never retries %i %s: the answer would be the same", (status, slug) => {
    expect(isRetryableProblem(status, slug)).toBe(false);
  });

  it("waits a full-jitter backoff: anywhere in [0, min(cap, base × 2^retry))", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), unit, (retry, random) => {
        const delay = backoffDelay(retry, options, random);
        const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);

        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }),
    );
  });

  it("never waits less than Retry-After, more than the cap, or past the budget", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 40_000 }),
        unit,
        (retry, retryAfterMs, elapsedMs, random) => {
          const wait = nextWait({ retry, retryAfterMs, elapsedMs, random }, options);
          if (wait === undefined) {
            // Gave up: the server asked for too long, or the budget is spent.
            const least = Math.max(retryAfterMs ?? 0, backoffDelay(retry, options, random));
            expect(least > options.maxDelayMs || elapsedMs + least >= options.budgetMs).toBe(true);
            return;
          }
          expect(wait).toBeGreaterThanOrEqual(retryAfterMs ?? 0);
          expect(wait).toBeLessThanOrEqual(options.maxDelayMs);
          expect(elapsedMs + wait).toBeLessThan(options.budgetMs);
        },
      ),
    );
  });

  it("has a budget of 30 s and waits of at most 5 s by default", () => {
    expect(DEFAULT_RETRY_OPTIONS).toEqual(options);
  });
});

describe("Retry-After", () => {
  const now = Date.UTC(2026, 0, 31, 9, 30);

  it.each([
    ["delay-seconds", "2", 2_000],
    ["zero", "0", 0],
    ["an HTTP-date 3 s ahead", new Date(now + 3_000).toUTCString(), 3_000],
    ["an HTTP-date in the past", new Date(now - 60_000).toUTCString(), 0],
  ])("reads %s", (_what, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([
    ["absent", null],
    ["empty", " "],
    ["unreadable", "soon"],
    ["negative", "-1"],
  ])("ignores one that is %s", (_what, value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
