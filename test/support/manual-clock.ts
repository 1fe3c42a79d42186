/**
 * A clock that moves only when the test moves it: hand `now` to the
 * idempotency layer (its `now` option) and to lambdaContext, and a lease
 * runs out exactly when the test says, however slow the machine is.
 */
export interface ManualClock {
  readonly now: () => number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to `ms` (never backwards). */
  set(ms: number): void;
}

export function manualClock(startMs: number = Date.now()): ManualClock {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance: (ms) => {
      if (ms < 0) throw new RangeError("a clock does not go backwards");
      nowMs += ms;
    },
    set: (ms) => {
      if (ms < nowMs) throw new RangeError("a clock does not go backwards");
      nowMs = ms;
    },
  };
}
