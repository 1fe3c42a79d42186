import {
  MAX_IN_PROGRESS_RETRY_AFTER_SECONDS,
  RecordStatus,
} from "../../../functions/idempotency/core/constants";
import { type Decision, decide } from "../../../functions/idempotency/core/decide";
import type {
  CompletedRecord,
  IdempotencyRecord,
  InProgressRecord,
} from "../../../functions/idempotency/core/record";

/** A clock reading in the middle of a second, so that ms and s readings differ. */
const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0) + 400;
const NOW_S = Math.floor(NOW_MS / 1000);
const HOUR_S = 3600;

const FINGERPRINT = "a".repeat(64);
const OTHER_FINGERPRINT = "b".repeat(64);

/** The stored answer, as a face wrote it. */
const storedAnswer = JSON.stringify({ statusCode: 201, body: '{"id":"dep-1","amount":500}' });

function inProgress(overrides: Partial<Omit<InProgressRecord, "status">> = {}): InProgressRecord {
  return {
    pk: "caller-1#key-1",
    status: RecordStatus.InProgress,
    fingerprint: FINGERPRINT,
    leaseToken: "lease-1",
    leaseExpiresAtMs: NOW_MS + 5_000,
    expiresAt: NOW_S + HOUR_S,
    createdAtMs: NOW_MS - 1_000,
    ...overrides,
  };
}

function completed(overrides: Partial<Omit<CompletedRecord, "status">> = {}): CompletedRecord {
  return {
    pk: "caller-1#key-1",
    status: RecordStatus.Completed,
    fingerprint: FINGERPRINT,
    leaseToken: "lease-1",
    leaseExpiresAtMs: NOW_MS - 500,
    expiresAt: NOW_S + HOUR_S,
    createdAtMs: NOW_MS - 1_000,
    completedAtMs: NOW_MS - 600,
    answer: storedAnswer,
    ...overrides,
  };
}

interface Row {
  readonly name: string;
  readonly existing: IdempotencyRecord | undefined;
  readonly fingerprint: string;
  readonly nowMs?: number;
  readonly expected: Decision;
}

const proceed: Decision = { kind: "proceed" };
const mismatch: Decision = { kind: "mismatch" };
const replay: Decision = { kind: "replay", answer: storedAnswer };

describe("decide", () => {
  it.each<Row>([
    {
      name: "proceeds when the key has no record",
      existing: undefined,
      fingerprint: FINGERPRINT,
      expected: proceed,
    },
    {
      name: "proceeds over an expired completed record of the same request",
      existing: completed({ expiresAt: NOW_S - 1 }),
      fingerprint: FINGERPRINT,
      expected: proceed,
    },
    {
      name: "proceeds over an expired completed record of another request",
      existing: completed({ expiresAt: NOW_S - 1 }),
      fingerprint: OTHER_FINGERPRINT,
      expected: proceed,
    },
    {
      name: "proceeds over an expired in-progress record of the same request with a live lease",
      existing: inProgress({ expiresAt: NOW_S - 1, leaseExpiresAtMs: NOW_MS + 60_000 }),
      fingerprint: FINGERPRINT,
      expected: proceed,
    },
    {
      name: "proceeds over an expired in-progress record of another request with a live lease",
      existing: inProgress({ expiresAt: NOW_S - 1, leaseExpiresAtMs: NOW_MS + 60_000 }),
      fingerprint: OTHER_FINGERPRINT,
      expected: proceed,
    },
    {
      name: "proceeds over an expired in-progress record of another request whose lease ran out",
      existing: inProgress({ expiresAt: NOW_S - 1, leaseExpiresAtMs: NOW_MS - 60_000 }),
      fingerprint: OTHER_FINGERPRINT,
      expected: proceed,
    },
    {
      name: "proceeds over a record that expired long ago but was not deleted by the TTL yet",
      existing: completed({ expiresAt: NOW_S - 2 * 24 * HOUR_S }),
      fingerprint: OTHER_FINGERPRINT,
      expected: proceed,
    },
    {
      name: "replays a completed record of the same request in its expiry second",
      existing: completed({ expiresAt: NOW_S }),
      fingerprint: FINGERPRINT,
      expected: replay,
    },
    {
      name: "replays a completed record in the last millisecond of its expiry second",
      existing: completed({ expiresAt: NOW_S }),
      fingerprint: FINGERPRINT,
      nowMs: NOW_S * 1000 + 999,
      expected: replay,
    },
    {
      name: "proceeds in the first millisecond after the expiry second",
      existing: completed({ expiresAt: NOW_S }),
      fingerprint: FINGERPRINT,
      nowMs: (NOW_S + 1) * 1000,
      expected: proceed,
    },
    {
      name: "reports a mismatch for a completed record of another request in its expiry second",
      existing: completed({ expiresAt: NOW_S }),
      fingerprint: OTHER_FINGERPRINT,
      expected: mismatch,
    },
    {
      name: "replays a completed record of the same request",
      existing: completed(),
      fingerprint: FINGERPRINT,
      expected: replay,
    },
    {
      name: "replays a completed record of the same request whatever its lease says",
      existing: completed({ leaseExpiresAtMs: NOW_MS + 60_000 }),
      fingerprint: FINGERPRINT,
      expected: replay,
    },
    {
      name: "reports a mismatch for a completed record of another request",
      existing: completed(),
      fingerprint: OTHER_FINGERPRINT,
      expected: mismatch,
    },
    {
      name: "reports a mismatch for an in-progress record of another request with a live lease",
      existing: inProgress({ leaseExpiresAtMs: NOW_MS + 5_000 }),
      fingerprint: OTHER_FINGERPRINT,
      expected: mismatch,
    },
    {
      name: "reports a mismatch for an in-progress record of another request whose lease ran out",
      existing: inProgress({ leaseExpiresAtMs: NOW_MS - 5_000 }),
      fingerprint: OTHER_FINGERPRINT,
      expected: mismatch,
    },
    {
      name: "reports in progress for an in-progress record of the same request with a live lease",
      existing: inProgress({ leaseExpiresAtMs: NOW_MS + 300 }),
      fingerprint: FINGERPRINT,
      expected: { kind: "in-progress", retryAfterSeconds: 1 },
    },
    {
      name: "takes over an in-progress record of the same request whose lease ran out",
      existing: inProgress({ leaseExpiresAtMs: NOW_MS - 1 }),
      fingerprint: FINGERPRINT,
      expected: proceed,
    },
    {
      name: "takes over an in-progress record of the same request whose lease ran out long ago",
      existing: inProgress({ leaseExpiresAtMs: NOW_MS - 10 * 60_000 }),
      fingerprint: FINGERPRINT,
      expected: proceed,
    },
    {
      name: "reports in progress when the lease ends exactly now (not run out yet)",
      existing: inProgress({ leaseExpiresAtMs: NOW_MS }),
      fingerprint: FINGERPRINT,
      expected: { kind: "in-progress", retryAfterSeconds: 1 },
    },
  ])("$name", ({ existing, fingerprint, nowMs, expected }) => {
    // Prepare: the row

    // Act
    const decision = decide(existing, fingerprint, nowMs ?? NOW_MS);

    // Assess
    expect(decision).toStrictEqual(expected);
  });

  it("replays exactly the stored answer", () => {
    // Prepare
    const record = completed();

    // Act
    const decision = decide(record, FINGERPRINT, NOW_MS);

    // Assess
    if (decision.kind !== "replay") throw new Error(`Expected replay, got ${decision.kind}`);
    expect(decision.answer).toBe(record.answer);
  });

  it.each([
    ["ends exactly now", 0, 1],
    ["ends in 1 ms", 1, 1],
    ["ends in 300 ms", 300, 1],
    ["ends in 999 ms", 999, 1],
    ["ends in exactly 1 s", 1_000, 1],
    ["ends in 1001 ms", 1_001, Math.min(2, MAX_IN_PROGRESS_RETRY_AFTER_SECONDS)],
    ["ends in 10 minutes", 10 * 60_000, MAX_IN_PROGRESS_RETRY_AFTER_SECONDS],
    [
      "ends in 15 minutes (the longest Lambda timeout)",
      15 * 60_000,
      MAX_IN_PROGRESS_RETRY_AFTER_SECONDS,
    ],
  ])(
    "asks to retry after %s with a Retry-After of the expected seconds",
    (_name, leaseRemainingMs, expectedSeconds) => {
      // Prepare
      const record = inProgress({ leaseExpiresAtMs: NOW_MS + leaseRemainingMs });

      // Act
      const decision = decide(record, FINGERPRINT, NOW_MS);

      // Assess
      expect(decision).toStrictEqual({ kind: "in-progress", retryAfterSeconds: expectedSeconds });
    },
  );

  it.each([0, 1, 300, 999, 1_000, 1_001, 1_500, 1_999, 2_000, 2_001, 5_000, 30_000, 900_000])(
    "keeps Retry-After a whole number of seconds between 1 and the cap when the lease ends in %i ms",
    (leaseRemainingMs) => {
      // Prepare
      const record = inProgress({ leaseExpiresAtMs: NOW_MS + leaseRemainingMs });

      // Act
      const decision = decide(record, FINGERPRINT, NOW_MS);

      // Assess
      if (decision.kind !== "in-progress") {
        throw new Error(`Expected in-progress, got ${decision.kind}`);
      }
      expect(Number.isInteger(decision.retryAfterSeconds)).toBe(true);
      expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(decision.retryAfterSeconds).toBeLessThanOrEqual(MAX_IN_PROGRESS_RETRY_AFTER_SECONDS);
    },
  );

  it("caps Retry-After at MAX_IN_PROGRESS_RETRY_AFTER_SECONDS, which is at least 1", () => {
    // Prepare
    const record = inProgress({ leaseExpiresAtMs: NOW_MS + 10 * 60_000 });

    // Act
    const decision = decide(record, FINGERPRINT, NOW_MS);

    // Assess
    expect(MAX_IN_PROGRESS_RETRY_AFTER_SECONDS).toBeGreaterThanOrEqual(1);
    expect(decision).toStrictEqual({
      kind: "in-progress",
      retryAfterSeconds: MAX_IN_PROGRESS_RETRY_AFTER_SECONDS,
    });
  });
});
