import { CallerRateLimiter } from "../../../lib/local/gateway/caller-rate-limiter";
import { parseLocalEnvironment } from "../../../lib/local/local-environment";

// The local gateway's per-caller limit (WAF's rate-based rule on AWS), on a
// clock the tests move by hand.

/** A clock in milliseconds that only moves when told to. */
function manualClock(startMs = 1_000_000) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advanceSeconds: (seconds: number) => {
      nowMs += seconds * 1000;
    },
  };
}

function limiter(limit: number, windowSeconds: number, maxTrackedCallers?: number) {
  const clock = manualClock();
  const rateLimiter = new CallerRateLimiter({
    limit,
    windowSeconds,
    now: clock.now,
    ...(maxTrackedCallers === undefined ? {} : { maxTrackedCallers }),
  });
  return { rateLimiter, clock };
}

const take = (rateLimiter: CallerRateLimiter, caller: string, times: number) =>
  Array.from({ length: times }, () => rateLimiter.take(caller));

describe("CallerRateLimiter", () => {
  it("allows `limit` requests per window, then refuses with the whole seconds until the window ends", () => {
    // Arrange
    const { rateLimiter, clock } = limiter(3, 60);

    // Act
    const allowed = take(rateLimiter, "alice", 3);
    clock.advanceSeconds(20.5);
    const refused = take(rateLimiter, "alice", 2);

    // Assess
    expect(allowed).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(refused).toEqual([
      { allowed: false, retryAfterSeconds: 40 },
      { allowed: false, retryAfterSeconds: 40 },
    ]);
  });

  it("says at least 1 second, even in the window's last moment", () => {
    // Arrange
    const { rateLimiter, clock } = limiter(1, 60);
    rateLimiter.take("alice");

    // Act
    clock.advanceSeconds(59.999);
    const decision = rateLimiter.take("alice");

    // Assess
    expect(decision).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("counts each caller apart: one caller over the limit does not slow another", () => {
    // Arrange
    const { rateLimiter } = limiter(2, 60);
    take(rateLimiter, "alice", 5);

    // Act
    const bob = take(rateLimiter, "bob", 2);

    // Assess
    expect(bob).toEqual([{ allowed: true }, { allowed: true }]);
    expect(rateLimiter.take("alice")).toMatchObject({ allowed: false });
  });

  it("allows the caller again once the window has passed, refused requests included", () => {
    // Arrange
    const { rateLimiter, clock } = limiter(2, 10);
    take(rateLimiter, "alice", 4);

    // Act
    clock.advanceSeconds(10);
    const next = take(rateLimiter, "alice", 3);

    // Assess
    expect(next).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterSeconds: 10 },
    ]);
  });

  it("forgets callers whose window has passed", () => {
    // Arrange
    const { rateLimiter, clock } = limiter(5, 10);
    rateLimiter.take("alice");
    clock.advanceSeconds(5);
    rateLimiter.take("bob");

    // Act
    clock.advanceSeconds(5);
    rateLimiter.take("carol");

    // Assess
    expect(rateLimiter.trackedCallers).toBe(2); // bob and carol; alice's window is over
  });

  it("tracks at most `maxTrackedCallers`: past it, the caller whose window started first starts afresh", () => {
    // Arrange
    const { rateLimiter, clock } = limiter(1, 60, 3);
    rateLimiter.take("alice");
    clock.advanceSeconds(1);
    take(rateLimiter, "bob", 1);
    take(rateLimiter, "carol", 1);

    // Act
    const flood = Array.from({ length: 1000 }, (_, index) => rateLimiter.take(`stranger-${index}`));

    // Assess
    expect(flood.every((decision) => decision.allowed)).toBe(true);
    expect(rateLimiter.trackedCallers).toBe(3);
    expect(rateLimiter.take("alice")).toEqual({ allowed: true });
    expect(rateLimiter.take("stranger-999")).toMatchObject({ allowed: false });
  });

  it("refuses a limit or window it cannot enforce", () => {
    // Act & assess
    expect(() => new CallerRateLimiter({ limit: 0, windowSeconds: 60 })).toThrow(/limit/);
    expect(() => new CallerRateLimiter({ limit: 1, windowSeconds: 0 })).toThrow(/window/);
    expect(
      () => new CallerRateLimiter({ limit: 1, windowSeconds: 60, maxTrackedCallers: 0 }),
    ).toThrow(/maxTrackedCallers/);
  });
});

describe("CALLER_RATE_LIMIT and CALLER_RATE_LIMIT_WINDOW_SECONDS", () => {
  it("default to a limit no bench or test reaches: 100000 requests a minute", () => {
    // Act
    const settings = parseLocalEnvironment({});

    // Assess
    expect(settings.CALLER_RATE_LIMIT).toBe(100_000);
    expect(settings.CALLER_RATE_LIMIT_WINDOW_SECONDS).toBe(60);
  });

  it("take the values given; 0 turns the limit off", () => {
    // Act
    const settings = parseLocalEnvironment({
      CALLER_RATE_LIMIT: "0",
      CALLER_RATE_LIMIT_WINDOW_SECONDS: "5",
    });

    // Assess
    expect(settings.CALLER_RATE_LIMIT).toBe(0);
    expect(settings.CALLER_RATE_LIMIT_WINDOW_SECONDS).toBe(5);
  });

  it.each([
    ["CALLER_RATE_LIMIT", "-1"],
    ["CALLER_RATE_LIMIT", "2.5"],
    ["CALLER_RATE_LIMIT", "many"],
    ["CALLER_RATE_LIMIT_WINDOW_SECONDS", "0"],
    ["CALLER_RATE_LIMIT_WINDOW_SECONDS", "1.5"],
  ])("refuse %s=%s, naming the variable", (name, value) => {
    // Act & assess
    expect(() => parseLocalEnvironment({ [name]: value })).toThrow(new RegExp(name));
  });
});
