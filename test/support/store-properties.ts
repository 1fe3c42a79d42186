import fc from "fast-check";
import { BusinessWriteRejectedError, IdempotencyLeaseLostError } from "../../functions/idempotency";
import type {
  CompletedRecord,
  IdempotencyRecord,
  InProgressRecord,
} from "../../functions/idempotency/core/record";
import type { CommitResult } from "../../functions/idempotency/core/store";
import type { StoreHarness } from "./store-contract";

/**
 * Model-based property of an idempotency store: random sequences of claims,
 * completions, releases (the lease strategy), commits (the commit strategy)
 * and clock moves by a few clients over a few keys,
 * each answer checked against a small reference model written from the
 * contract (store.ts, decide.ts), not from either adapter.
 */

/**
 * A simulated clock far in the future: DynamoDB Local runs TTL on the real
 * clock and deletes records whose `expiresAt` has passed, which would make
 * records of a clock set in the past vanish in the middle of a test.
 */
const START_MS = Date.UTC(2100, 0, 1, 12, 0, 0);
const KEY_COUNT = 3;
const CLIENT_COUNT = 4;
const FINGERPRINTS = ["fingerprint-a", "fingerprint-b"] as const;

/** Which lease a client presents: the one it holds, one it held before, or one never issued. */
type LeaseChoice = "latest" | "earliest" | "never-issued";
type BusinessWrites = "none" | "accepted" | "rejected";

type StoreCommand =
  | {
      readonly kind: "claim";
      readonly client: number;
      readonly key: number;
      readonly fingerprint: number;
      readonly leaseMs: number;
      readonly retentionSeconds: number;
    }
  | {
      readonly kind: "complete";
      readonly client: number;
      readonly key: number;
      readonly lease: LeaseChoice;
      readonly writes: BusinessWrites;
      readonly answer: string;
    }
  | {
      readonly kind: "commit";
      readonly key: number;
      readonly fingerprint: number;
      readonly writes: BusinessWrites;
      readonly answer: string;
      readonly retentionSeconds: number;
    }
  | {
      readonly kind: "release";
      readonly client: number;
      readonly key: number;
      readonly lease: LeaseChoice;
    }
  | { readonly kind: "advance"; readonly ms: number }
  /** Lands on either side of a key's lease or retention end, where off-by-one bugs live. */
  | {
      readonly kind: "advance-to-boundary";
      readonly key: number;
      readonly boundary: "lease" | "retention";
      readonly offsetMs: number;
    };

const clientArb = fc.nat({ max: CLIENT_COUNT - 1 });
const keyArb = fc.nat({ max: KEY_COUNT - 1 });
const leaseChoiceArb = fc.constantFrom<LeaseChoice>("latest", "earliest", "never-issued");

/** A stored answer: any string, as a face wrote it. */
const answerArb = fc.string({ unit: "binary", maxLength: 40 });

const commandArb: fc.Arbitrary<StoreCommand> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("claim" as const),
      client: clientArb,
      key: keyArb,
      fingerprint: fc.nat({ max: FINGERPRINTS.length - 1 }),
      leaseMs: fc.oneof(fc.constantFrom(0, 1, 1_000), fc.integer({ min: 0, max: 30_000 })),
      retentionSeconds: fc.constantFrom(1, 2, 10, 60),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("complete" as const),
      client: clientArb,
      key: keyArb,
      lease: leaseChoiceArb,
      writes: fc.constantFrom<BusinessWrites>("none", "accepted", "rejected"),
      answer: answerArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("commit" as const),
      key: keyArb,
      fingerprint: fc.nat({ max: FINGERPRINTS.length - 1 }),
      writes: fc.constantFrom<BusinessWrites>("none", "accepted", "rejected"),
      answer: answerArb,
      retentionSeconds: fc.constantFrom(1, 2, 10, 60),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("release" as const),
      client: clientArb,
      key: keyArb,
      lease: leaseChoiceArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 70_000 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance-to-boundary" as const),
      key: keyArb,
      boundary: fc.constantFrom("lease" as const, "retention" as const),
      offsetMs: fc.integer({ min: -1, max: 1 }),
    }),
  },
);

/** Written from the contract, independently of decide.ts: may `fingerprint` claim over `existing` at `nowMs`? */
function modelAllowsClaim(
  existing: IdempotencyRecord | undefined,
  fingerprint: string,
  nowMs: number,
): boolean {
  if (existing === undefined) return true;
  // Retention: the record counts as absent once its epoch second has passed.
  if (existing.expiresAt < Math.floor(nowMs / 1000)) return true;
  if (existing.fingerprint !== fingerprint) return false;
  if (existing.status === "COMPLETED") return false;
  // A run-out lease of the same request may be taken over.
  return existing.leaseExpiresAtMs < nowMs;
}

/** Written from the contract: may a commit put its record over `existing` at `nowMs`? Only where no record lives. */
function modelAllowsCommit(existing: IdempotencyRecord | undefined, nowMs: number): boolean {
  return existing === undefined || existing.expiresAt < Math.floor(nowMs / 1000);
}

let runSequence = 0;

/** One generated run: the model of every key, the leases each client was issued, the clock. */
class ModelRun {
  readonly prefix: string;
  nowMs = START_MS;
  /** What the store must hold for each key; `undefined` when it holds nothing. */
  readonly records: (IdempotencyRecord | undefined)[] = Array.from(
    { length: KEY_COUNT },
    () => undefined,
  );
  /** Every lease token each client obtained, per key, oldest first. */
  private readonly issued = new Map<string, string[]>();
  private step = 0;

  constructor() {
    runSequence += 1;
    // Unique per run, so runs sharing a DynamoDB table never see each other's records.
    this.prefix = `props-${Date.now().toString(36)}-${process.pid}-${runSequence}`;
  }

  pk(key: number): string {
    return `${this.prefix}#key-${key}`;
  }

  nextStep(): number {
    this.step += 1;
    return this.step;
  }

  issue(client: number, key: number, leaseToken: string): void {
    const slot = `${client}/${key}`;
    this.issued.set(slot, [...(this.issued.get(slot) ?? []), leaseToken]);
  }

  leaseToken(client: number, key: number, choice: LeaseChoice): string {
    const tokens = this.issued.get(`${client}/${key}`) ?? [];
    const chosen =
      choice === "latest" ? tokens.at(-1) : choice === "earliest" ? tokens[0] : undefined;
    return chosen ?? `${this.prefix}-never-issued-${client}`;
  }
}

async function settle(
  promise: Promise<unknown>,
): Promise<{ ok: true; value?: unknown } | { ok: false; error: unknown }> {
  try {
    const value = await promise;
    return value === undefined ? { ok: true } : { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
}

async function runCommand<TWrite>(
  harness: StoreHarness<TWrite>,
  run: ModelRun,
  command: StoreCommand,
): Promise<void> {
  const step = run.nextStep();
  const { store } = harness;
  switch (command.kind) {
    case "advance":
      run.nowMs += command.ms;
      return;

    case "advance-to-boundary": {
      const record = run.records[command.key];
      if (record === undefined) return;
      // Lease live up to leaseExpiresAtMs inclusive; retention up to the end of the expiresAt second.
      const leaseEnd = record.status === "IN_PROGRESS" ? record.leaseExpiresAtMs : undefined;
      const boundary = command.boundary === "lease" ? leaseEnd : (record.expiresAt + 1) * 1000;
      if (boundary === undefined) return;
      const target = boundary + command.offsetMs;
      // The clock never runs backwards.
      if (target > run.nowMs) run.nowMs = target;
      return;
    }

    case "claim": {
      const pk = run.pk(command.key);
      const fingerprint = FINGERPRINTS[command.fingerprint] ?? FINGERPRINTS[0];
      const record: InProgressRecord = {
        pk,
        status: "IN_PROGRESS",
        fingerprint,
        leaseToken: `${run.prefix}-client-${command.client}-step-${step}`,
        leaseExpiresAtMs: run.nowMs + command.leaseMs,
        expiresAt: Math.floor(run.nowMs / 1000) + command.retentionSeconds,
        createdAtMs: run.nowMs,
      };
      const before = run.records[command.key];

      const result = await store.claim(record, run.nowMs);

      if (modelAllowsClaim(before, fingerprint, run.nowMs)) {
        expect(result).toEqual({ claimed: true });
        // A takeover of a live record changes its lease only: its retention stays.
        const takesOver =
          before?.status === "IN_PROGRESS" && before.expiresAt >= Math.floor(run.nowMs / 1000);
        const { leaseToken, leaseExpiresAtMs } = record;
        run.records[command.key] = takesOver ? { ...before, leaseToken, leaseExpiresAtMs } : record;
        run.issue(command.client, command.key, record.leaseToken);
      } else {
        // The holder's record, exactly: a completed one carries the response that was completed.
        expect(result).toEqual({ claimed: false, existing: before });
      }
      break;
    }

    case "complete": {
      const pk = run.pk(command.key);
      const leaseToken = run.leaseToken(command.client, command.key, command.lease);
      const marker = `${run.prefix}-marker-${step}`;
      const writes =
        command.writes === "none"
          ? []
          : [harness.write(marker, { rejected: command.writes === "rejected" })];
      const before = run.records[command.key];
      const holdsLease = before?.status === "IN_PROGRESS" && before.leaseToken === leaseToken;
      const completedAtMs = run.nowMs;

      const outcome = await settle(
        store.complete({ pk, leaseToken }, command.answer, completedAtMs, writes),
      );

      if (!holdsLease) {
        // Fencing: a lease that does not hold the key in progress never completes it.
        expect(outcome).toEqual({ ok: false, error: expect.any(IdempotencyLeaseLostError) });
      } else if (command.writes === "rejected") {
        // All or nothing: the record stays claimed by this lease.
        expect(outcome).toEqual({ ok: false, error: expect.any(BusinessWriteRejectedError) });
      } else {
        expect(outcome).toEqual({ ok: true });
        if (before?.status === "IN_PROGRESS") {
          run.records[command.key] = {
            ...before,
            status: "COMPLETED",
            answer: command.answer,
            completedAtMs,
          };
        }
      }
      if (command.writes !== "none") {
        // The business write lands iff the completion did.
        expect(await harness.wasWritten(marker)).toBe(outcome.ok);
      }
      break;
    }

    case "commit": {
      const record: CompletedRecord = {
        pk: run.pk(command.key),
        status: "COMPLETED",
        fingerprint: FINGERPRINTS[command.fingerprint] ?? FINGERPRINTS[0],
        answer: command.answer,
        expiresAt: Math.floor(run.nowMs / 1000) + command.retentionSeconds,
        createdAtMs: run.nowMs,
        completedAtMs: run.nowMs,
      };
      const marker = `${run.prefix}-marker-${step}`;
      const writes =
        command.writes === "none"
          ? []
          : [harness.write(marker, { rejected: command.writes === "rejected" })];
      const before = run.records[command.key];

      const outcome = await settle(store.commit(record, run.nowMs, writes));

      if (!modelAllowsCommit(before, run.nowMs)) {
        // A live record wins, whatever the business writes would have done; nothing is written.
        expect(outcome).toEqual({ ok: true, value: { committed: false, existing: before } });
      } else if (command.writes === "rejected") {
        expect(outcome).toEqual({ ok: false, error: expect.any(BusinessWriteRejectedError) });
      } else {
        expect(outcome).toEqual({ ok: true, value: { committed: true } });
        run.records[command.key] = record;
      }
      if (command.writes !== "none") {
        // The business write lands iff the record did.
        const landed = outcome.ok && (outcome.value as CommitResult).committed;
        expect(await harness.wasWritten(marker)).toBe(landed);
      }
      break;
    }

    case "release": {
      const pk = run.pk(command.key);
      const leaseToken = run.leaseToken(command.client, command.key, command.lease);
      const before = run.records[command.key];
      const holdsLease = before?.status === "IN_PROGRESS" && before.leaseToken === leaseToken;

      const released = await store.release({ pk, leaseToken });

      expect(released).toBe(holdsLease);
      if (holdsLease) run.records[command.key] = undefined;
      break;
    }
  }

  // Read around the store: it holds exactly the model's record, so one owner
  // at most (one lease token) and a completion is never overwritten.
  expect(await harness.read(run.pk(command.key))).toEqual(run.records[command.key]);
}

export interface StorePropertyOptions {
  readonly numRuns: number;
  /** Jest timeout of the property, in ms. */
  readonly timeoutMs?: number;
}

/**
 * Runs the model-based property against a store adapter. `harness` is called
 * once per generated run.
 */
export function describeStoreProperties<TWrite>(
  name: string,
  harness: () => StoreHarness<TWrite>,
  options: StorePropertyOptions,
): void {
  describe(`${name} behaves like the reference model of the store contract`, () => {
    it(
      "answers every claim, complete, release and commit as the model does, over random command sequences",
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(commandArb, { minLength: 5, maxLength: 30 }),
            async (commands) => {
              const world = harness();
              const run = new ModelRun();
              for (const command of commands) await runCommand(world, run, command);
            },
          ),
          { numRuns: options.numRuns },
        );
      },
      options.timeoutMs ?? 30_000,
    );
  });
}
