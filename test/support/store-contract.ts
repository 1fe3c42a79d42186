import {
  BusinessWriteRejectedError,
  IdempotencyLeaseLostError,
  type IdempotencyStore,
  IdempotencyStoreUnavailableError,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
} from "../../functions/idempotency";
import type {
  CompletedRecord,
  IdempotencyRecord,
  InProgressRecord,
} from "../../functions/idempotency/core/record";

/** What the contract suite needs of a store adapter and its world. */
export interface StoreHarness<TWrite> {
  readonly store: IdempotencyStore<TWrite>;
  /** A business write that leaves `marker` behind; `rejected` gives it a failing condition. */
  write(marker: string, options?: { rejected?: boolean }): TWrite;
  wasWritten(marker: string): Promise<boolean>;
  /** The record as stored, bypassing the store's API. */
  read(pk: string): Promise<IdempotencyRecord | undefined>;
  /** Stores a record as it is, bypassing the store's API. */
  seed(record: IdempotencyRecord): Promise<void>;
  /** For a store whose database cancels writes that meet a concurrent transaction. */
  readonly conflicts?: ConflictInjection;
}

/**
 * Concurrent transactions, as the store's database reports them: DynamoDB
 * cancels a transaction, or fails a lone write, whose item another in-flight
 * transaction holds, and returns no item with it.
 */
export interface ConflictInjection {
  /** The next `times` writes of the record of `pk` meet a transaction holding it. @default 1 */
  onRecord(pk: string, times?: number): void;
  /** The next write of the business item of `marker` meets a transaction holding it. */
  onWrite(marker: string): void;
  /** Requests the store sent that write the record of `pk`, refused ones included. */
  recordWrites(pk: string): number;
  /** Requests the store sent that read the record of `pk`. */
  recordReads(pk: string): number;
  /**
   * From now on, transactions in flight together on one item cancel one
   * another, each holding its items long enough for commits started
   * together to overlap. Returns how many were cancelled.
   */
  emulate(): { refused(): number; disarm(): void };
}

export interface StoreContractOptions {
  /**
   * Why the store can never meet a concurrent transaction, if it cannot:
   * the conflict cases are then skipped with that reason. Otherwise the
   * harness must provide `conflicts`.
   */
  readonly noConflicts?: string;
}

/** The in-memory store, with business writes that mark a set. */
export function inMemoryStoreHarness(): StoreHarness<InMemoryWrite> {
  const store = new InMemoryIdempotencyStore();
  const written = new Set<string>();
  return {
    store,
    write: (marker, options) => ({
      condition: () => !options?.rejected,
      apply: () => written.add(marker),
    }),
    wasWritten: async (marker) => written.has(marker),
    read: async (pk) => store.get(pk),
    seed: async (record) => store.put(record),
  };
}

/**
 * A simulated clock far in the future: DynamoDB Local runs TTL on the real
 * clock and deletes records whose `expiresAt` has passed, which would make
 * records of a clock set in the past vanish in the middle of a test.
 */
const NOW_MS = Date.UTC(2100, 0, 1, 12, 0, 0);
let sequence = 0;

function inProgress(overrides: Partial<InProgressRecord> = {}): InProgressRecord {
  sequence += 1;
  return {
    pk: `contract-${Date.now()}-${sequence}#key`,
    status: "IN_PROGRESS",
    fingerprint: "fingerprint-a",
    leaseToken: `lease-${sequence}`,
    leaseExpiresAtMs: NOW_MS + 10_000,
    expiresAt: NOW_MS / 1000 + 3600,
    createdAtMs: NOW_MS,
    ...overrides,
  };
}

/** A stored answer: the store keeps it as the face wrote it, a string. */
const answer = JSON.stringify({ statusCode: 201, body: '{"id":"1"}' });

function completed(overrides: Partial<CompletedRecord> = {}): CompletedRecord {
  sequence += 1;
  return {
    pk: `contract-${Date.now()}-${sequence}#key`,
    status: "COMPLETED",
    fingerprint: "fingerprint-a",
    answer,
    expiresAt: NOW_MS / 1000 + 3600,
    createdAtMs: NOW_MS,
    completedAtMs: NOW_MS,
    ...overrides,
  };
}

const leaseOf = (record: InProgressRecord) => ({ pk: record.pk, leaseToken: record.leaseToken });

/**
 * One suite, every adapter: the in-memory store is only a valid stand-in for
 * DynamoDB in unit tests because both pass exactly these cases.
 */
export function describeStoreContract<TWrite>(
  name: string,
  harness: () => StoreHarness<TWrite>,
  options: StoreContractOptions = {},
): void {
  describe(`${name} honours the idempotency store contract`, () => {
    it("claims a free key and stores the in-progress record as given", async () => {
      const { store, read } = harness();
      const record = inProgress();

      const result = await store.claim(record, NOW_MS);

      expect(result).toEqual({ claimed: true });
      expect(await read(record.pk)).toEqual(record);
    });

    it("refuses a second claim under a live lease and returns the holder's record", async () => {
      const { store } = harness();
      const first = inProgress();
      await store.claim(first, NOW_MS);

      const result = await store.claim({ ...first, leaseToken: "other" }, NOW_MS + 1);

      expect(result).toEqual({ claimed: false, existing: first });
    });

    it("lets the same request take over a lease that ran out, with a new lease token", async () => {
      const { store, read } = harness();
      const first = inProgress();
      await store.claim(first, NOW_MS);
      const retry = { ...first, leaseToken: "retry", leaseExpiresAtMs: NOW_MS + 60_000 };

      const result = await store.claim(retry, first.leaseExpiresAtMs + 1);

      expect(result).toEqual({ claimed: true });
      expect((await read(first.pk))?.leaseToken).toBe("retry");
    });

    it("keeps a run-out lease away from a different request", async () => {
      const { store, read } = harness();
      const first = inProgress();
      await store.claim(first, NOW_MS);

      const result = await store.claim(
        { ...first, fingerprint: "fingerprint-b", leaseToken: "other" },
        first.leaseExpiresAtMs + 1,
      );

      expect(result.claimed).toBe(false);
      expect(await read(first.pk)).toEqual(first);
    });

    it("refuses to claim a completed key and returns its stored answer", async () => {
      const { store } = harness();
      const first = inProgress();
      await store.claim(first, NOW_MS);
      await store.complete(leaseOf(first), answer, NOW_MS + 5);

      const result = await store.claim({ ...first, leaseToken: "late" }, NOW_MS + 20_000);

      expect(result).toEqual({
        claimed: false,
        existing: { ...first, status: "COMPLETED", answer, completedAtMs: NOW_MS + 5 },
      });
    });

    it("claims over a record past its retention, whatever it holds", async () => {
      const { store, seed, read } = harness();
      const old = inProgress({ expiresAt: NOW_MS / 1000 - 1 });
      await seed({ ...old, status: "COMPLETED", answer, completedAtMs: NOW_MS - 5 });
      const fresh = { ...old, fingerprint: "fingerprint-b", leaseToken: "fresh", expiresAt: 9e9 };

      const result = await store.claim(fresh, NOW_MS);

      expect(result).toEqual({ claimed: true });
      expect(await read(old.pk)).toEqual(fresh);
    });

    it("completes only under its own lease, and only once", async () => {
      const { store, read } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);

      await expect(
        store.complete({ pk: record.pk, leaseToken: "stranger" }, answer, NOW_MS),
      ).rejects.toBeInstanceOf(IdempotencyLeaseLostError);
      expect(await read(record.pk)).toEqual(record);
      await store.complete(leaseOf(record), answer, NOW_MS + 1);
      await expect(store.complete(leaseOf(record), answer, NOW_MS + 2)).rejects.toBeInstanceOf(
        IdempotencyLeaseLostError,
      );

      expect(await read(record.pk)).toEqual({
        ...record,
        status: "COMPLETED",
        answer,
        completedAtMs: NOW_MS + 1,
      });
    });

    it("releases only its own in-progress claim", async () => {
      const { store, read } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);

      const byStranger = await store.release({ pk: record.pk, leaseToken: "stranger" });
      const stillThere = await read(record.pk);
      const byOwner = await store.release(leaseOf(record));

      expect(byStranger).toBe(false);
      expect(stillThere).toEqual(record);
      expect(byOwner).toBe(true);
      expect(await read(record.pk)).toBeUndefined();
    });

    it("never releases a completed record", async () => {
      const { store, read } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);
      await store.complete(leaseOf(record), answer, NOW_MS);

      const released = await store.release(leaseOf(record));

      expect(released).toBe(false);
      expect((await read(record.pk))?.status).toBe("COMPLETED");
    });

    it("commits business writes and the completion together", async () => {
      const { store, read, write, wasWritten } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);

      await store.complete(leaseOf(record), answer, NOW_MS, [
        write(`${record.pk}-a`),
        write(`${record.pk}-b`),
      ]);

      expect(await wasWritten(`${record.pk}-a`)).toBe(true);
      expect(await wasWritten(`${record.pk}-b`)).toBe(true);
      expect((await read(record.pk))?.status).toBe("COMPLETED");
    });

    it("writes nothing and completes nothing when a business condition fails", async () => {
      const { store, read, write, wasWritten } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);

      const failure = await store
        .complete(leaseOf(record), answer, NOW_MS, [
          write(`${record.pk}-ok`),
          write(`${record.pk}-rejected`, { rejected: true }),
        ])
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(BusinessWriteRejectedError);
      expect(
        (failure as BusinessWriteRejectedError).reasons.map((reason) => reason.failed),
      ).toEqual([false, true]);
      expect(await wasWritten(`${record.pk}-ok`)).toBe(false);
      expect(await read(record.pk)).toEqual(record);
    });

    it("writes nothing when the lease was taken over (fencing)", async () => {
      const { store, read, write, wasWritten } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);
      const successor = { ...record, leaseToken: "successor", leaseExpiresAtMs: NOW_MS + 99_000 };
      await store.claim(successor, record.leaseExpiresAtMs + 1);

      const zombie = store.complete(leaseOf(record), answer, NOW_MS, [
        write(`${record.pk}-zombie`),
      ]);

      await expect(zombie).rejects.toBeInstanceOf(IdempotencyLeaseLostError);
      expect(await store.release(leaseOf(record))).toBe(false);
      expect(await wasWritten(`${record.pk}-zombie`)).toBe(false);
      expect(await read(record.pk)).toEqual(successor);
    });

    it("lets exactly one of many concurrent claims win", async () => {
      const { store } = harness();
      const base = inProgress();

      const results = await Promise.all(
        Array.from({ length: 25 }, (_, index) =>
          store.claim({ ...base, leaseToken: `contender-${index}` }, NOW_MS),
        ),
      );

      expect(results.filter((result) => result.claimed)).toHaveLength(1);
    });
  });

  describe(`${name} keeps recovery points (the lease strategy's phases)`, () => {
    it("commits a phase with its writes and gives its point to the attempt that takes over", async () => {
      const { store, read, write, wasWritten } = harness();
      const first = inProgress();
      await store.claim(first, NOW_MS);

      await store.advance(leaseOf(first), "started", [write(`${first.pk}-started`)]);
      const takeover = await store.claim(
        { ...first, leaseToken: "takeover", leaseExpiresAtMs: NOW_MS + 60_000, createdAtMs: 1 },
        first.leaseExpiresAtMs + 1,
      );

      expect(await wasWritten(`${first.pk}-started`)).toBe(true);
      expect(takeover).toEqual({ claimed: true, recoveryPoint: "started" });
      // Only the lease changed hands: the retention and the point stay.
      expect(await read(first.pk)).toEqual({
        ...first,
        leaseToken: "takeover",
        leaseExpiresAtMs: NOW_MS + 60_000,
        recoveryPoint: "started",
      });
    });

    it("moves the point on phase by phase, alone or with writes", async () => {
      const { store, read } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);

      await store.advance(leaseOf(record), "started");
      await store.advance(leaseOf(record), "charged");

      expect((await read(record.pk))?.recoveryPoint).toBe("charged");
    });

    it("commits no phase under a lease that was taken over (fencing)", async () => {
      const { store, read, write, wasWritten } = harness();
      const zombie = inProgress();
      await store.claim(zombie, NOW_MS);
      await store.claim({ ...zombie, leaseToken: "successor" }, zombie.leaseExpiresAtMs + 1);

      const advancing = store.advance(leaseOf(zombie), "started", [write(`${zombie.pk}-zombie`)]);

      await expect(advancing).rejects.toBeInstanceOf(IdempotencyLeaseLostError);
      expect(await wasWritten(`${zombie.pk}-zombie`)).toBe(false);
      expect((await read(zombie.pk))?.recoveryPoint).toBeUndefined();
    });

    it("writes nothing and keeps the point when a business condition of the phase fails", async () => {
      const { store, read, write, wasWritten } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);
      await store.advance(leaseOf(record), "started");

      const advancing = store.advance(leaseOf(record), "charged", [
        write(`${record.pk}-ok`),
        write(`${record.pk}-refused`, { rejected: true }),
      ]);

      await expect(advancing).rejects.toBeInstanceOf(BusinessWriteRejectedError);
      expect(await wasWritten(`${record.pk}-ok`)).toBe(false);
      expect(await read(record.pk)).toEqual({ ...record, recoveryPoint: "started" });
    });

    it("lets go of a lease but keeps the point: the same request takes over at once, another request cannot", async () => {
      const { store, read } = harness();
      const record = inProgress();
      await store.claim(record, NOW_MS);
      await store.advance(leaseOf(record), "started");

      const released = await store.release(leaseOf(record), { keepRecoveryPoint: true });
      const other = await store.claim(
        { ...record, fingerprint: "fingerprint-b", leaseToken: "other" },
        NOW_MS + 1,
      );
      const retry = await store.claim({ ...record, leaseToken: "retry" }, NOW_MS + 1);

      expect(released).toBe(true);
      expect(other.claimed).toBe(false);
      expect(retry).toEqual({ claimed: true, recoveryPoint: "started" });
      expect((await read(record.pk))?.leaseToken).toBe("retry");
    });

    it("keeps the point of another attempt out of a fresh claim past the retention", async () => {
      const { store, seed, read } = harness();
      const old = inProgress({ expiresAt: NOW_MS / 1000 - 1, recoveryPoint: "started" });
      await seed(old);
      const fresh = { ...old, leaseToken: "fresh", expiresAt: NOW_MS / 1000 + 3600 };
      delete fresh.recoveryPoint;

      const result = await store.claim(fresh, NOW_MS);

      expect(result).toEqual({ claimed: true });
      expect(await read(old.pk)).toEqual(fresh);
    });
  });

  describe(`${name} honours the commit strategy's contract`, () => {
    it("peeks at a live record as stored, and at nothing for a free or expired key", async () => {
      const { store, seed } = harness();
      const live = completed();
      const claimed = inProgress();
      const old = completed({ expiresAt: NOW_MS / 1000 - 1 });
      await seed(live);
      await seed(claimed);
      await seed(old);

      const peek = store.peek?.bind(store);
      if (!peek) throw new Error("both stores of the project peek");
      expect(await peek(live.pk, NOW_MS)).toEqual(live);
      expect(await peek(claimed.pk, NOW_MS)).toEqual(claimed);
      expect(await peek(old.pk, NOW_MS)).toBeUndefined();
      expect(await peek(`${live.pk}-never-written`, NOW_MS)).toBeUndefined();
    });

    it("commits a record on a free key together with its business writes", async () => {
      const { store, read, write, wasWritten } = harness();
      const record = completed();

      const result = await store.commit(record, NOW_MS, [
        write(`${record.pk}-a`),
        write(`${record.pk}-b`),
      ]);

      expect(result).toEqual({ committed: true });
      expect(await read(record.pk)).toEqual(record);
      expect(await wasWritten(`${record.pk}-a`)).toBe(true);
      expect(await wasWritten(`${record.pk}-b`)).toBe(true);
    });

    it("commits a record alone (an answer without writes) on a free key", async () => {
      const { store, read } = harness();
      const record = completed();

      const result = await store.commit(record, NOW_MS);

      expect(result).toEqual({ committed: true });
      expect(await read(record.pk)).toEqual(record);
    });

    it.each([
      ["with business writes", true],
      ["alone", false],
    ])(
      "writes nothing %s where a live record holds the key, and returns that record",
      async (_name, withWrites) => {
        const { store, read, write, wasWritten } = harness();
        const first = completed();
        await store.commit(first, NOW_MS);
        const second = { ...first, fingerprint: "fingerprint-b", answer: "another answer" };

        const result = await store.commit(
          second,
          NOW_MS + 1,
          withWrites ? [write(`${first.pk}-second`)] : [],
        );

        expect(result).toEqual({ committed: false, existing: first });
        expect(await wasWritten(`${first.pk}-second`)).toBe(false);
        expect(await read(first.pk)).toEqual(first);
      },
    );

    it("loses to an in-progress claim of the lease strategy and returns it", async () => {
      const { store, write, wasWritten } = harness();
      const claim = inProgress();
      await store.claim(claim, NOW_MS);

      const result = await store.commit(completed({ pk: claim.pk }), NOW_MS + 1, [
        write(`${claim.pk}-late`),
      ]);

      expect(result).toEqual({ committed: false, existing: claim });
      expect(await wasWritten(`${claim.pk}-late`)).toBe(false);
    });

    it("commits over a record past its retention", async () => {
      const { store, seed, read } = harness();
      const old = completed({ expiresAt: NOW_MS / 1000 - 1, answer: "old" });
      await seed(old);
      const fresh = { ...old, fingerprint: "fingerprint-b", answer: "new", expiresAt: 9e9 };

      const result = await store.commit(fresh, NOW_MS);

      expect(result).toEqual({ committed: true });
      expect(await read(old.pk)).toEqual(fresh);
    });

    it("writes nothing, record included, when a business condition fails", async () => {
      const { store, read, write, wasWritten } = harness();
      const record = completed();

      const failure = await store
        .commit(record, NOW_MS, [
          write(`${record.pk}-ok`),
          write(`${record.pk}-rejected`, { rejected: true }),
        ])
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(BusinessWriteRejectedError);
      expect(
        (failure as BusinessWriteRejectedError).reasons.map((reason) => reason.failed),
      ).toEqual([false, true]);
      expect(await wasWritten(`${record.pk}-ok`)).toBe(false);
      expect(await read(record.pk)).toBeUndefined();
    });

    it.each([
      ["with business writes", true],
      ["alone", false],
    ])(
      "lets exactly one of many concurrent commits %s of one key win; the others get its record",
      async (_name, withWrites) => {
        await expectOneWinnerAmongConcurrentCommits(harness(), withWrites);
      },
    );
  });

  const describeConflicts = options.noConflicts ? describe.skip : describe;
  const conflictTitle = options.noConflicts
    ? `${name} meets no concurrent transaction: ${options.noConflicts}`
    : `${name} meets concurrent transactions as its database reports them`;
  describeConflicts(conflictTitle, () => {
    const withConflicts = () => {
      const world = harness();
      const { conflicts } = world;
      if (!conflicts) {
        throw new Error(`${name}: give the harness \`conflicts\`, or say why there are none`);
      }
      return { ...world, conflicts };
    };

    it.each([
      ["with business writes", true],
      ["alone", false],
    ])(
      "answers a commit %s that met the winner's transaction on the record with the winner's record",
      async (_name, withWrites) => {
        const { store, read, write, wasWritten, conflicts } = withConflicts();
        const winner = completed();
        await store.commit(winner, NOW_MS, withWrites ? [write(`${winner.pk}-winner`)] : []);
        conflicts.onRecord(winner.pk);
        const loser = { ...winner, answer: "the loser's answer" };

        const result = await store.commit(
          loser,
          NOW_MS + 1,
          withWrites ? [write(`${winner.pk}-loser`)] : [],
        );

        expect(result).toEqual({ committed: false, existing: winner });
        expect(await wasWritten(`${winner.pk}-loser`)).toBe(false);
        expect(await read(winner.pk)).toEqual(winner);
        // The winner's write and the loser's refused one; one read told the answer.
        expect(conflicts.recordWrites(winner.pk)).toBe(2);
        expect(conflicts.recordReads(winner.pk)).toBe(1);
      },
    );

    it.each([
      ["an absent record", false],
      ["a record past its retention", true],
    ])(
      "refuses a commit with business writes for a rerun when the transaction it met on the record left %s",
      async (_name, expiredBefore) => {
        const { store, read, seed, write, wasWritten, conflicts } = withConflicts();
        const record = completed();
        const expired = { ...record, answer: "expired", expiresAt: NOW_MS / 1000 - 1 };
        if (expiredBefore) await seed(expired);
        conflicts.onRecord(record.pk);

        const failure = await store
          .commit(record, NOW_MS, [write(`${record.pk}-a`), write(`${record.pk}-b`)])
          .catch((error: unknown) => error);
        const recordAfterConflict = await read(record.pk);
        const writtenAfterConflict = await wasWritten(`${record.pk}-a`);
        const rerun = await store.commit(record, NOW_MS, [write(`${record.pk}-a`)]);

        // Nothing of the business writes failed: it is the whole attempt that runs again.
        expect(failure).toBeInstanceOf(BusinessWriteRejectedError);
        expect((failure as BusinessWriteRejectedError).reasons).toEqual([
          { failed: false, code: "None" },
          { failed: false, code: "None" },
        ]);
        expect(recordAfterConflict).toEqual(expiredBefore ? expired : undefined);
        expect(writtenAfterConflict).toBe(false);
        expect(rerun).toEqual({ committed: true });
        expect(await read(record.pk)).toEqual(record);
        expect(await wasWritten(`${record.pk}-b`)).toBe(false);
        expect(conflicts.recordReads(record.pk)).toBe(1);
      },
    );

    it("puts a record alone again when the transaction it met left no live record", async () => {
      const { store, read, conflicts } = withConflicts();
      const record = completed();
      conflicts.onRecord(record.pk);

      const result = await store.commit(record, NOW_MS);

      expect(result).toEqual({ committed: true });
      expect(await read(record.pk)).toEqual(record);
      expect(conflicts.recordWrites(record.pk)).toBe(2);
      expect(conflicts.recordReads(record.pk)).toBe(1);
    });

    it("gives up a lone put that keeps meeting transactions: retryable 503, nothing written", async () => {
      const { store, read, conflicts } = withConflicts();
      const record = completed();
      conflicts.onRecord(record.pk, 1_000);

      const failure = await store.commit(record, NOW_MS).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(IdempotencyStoreUnavailableError);
      expect(failure).toMatchObject({
        statusCode: 503,
        slug: "idempotency-store-unavailable",
        headers: { "retry-after": expect.stringMatching(/^[1-9]\d*$/) },
      });
      expect(await read(record.pk)).toBeUndefined();
    });

    it("refuses a commit for a rerun when one of its business writes met a transaction", async () => {
      const { store, read, write, wasWritten, conflicts } = withConflicts();
      const record = completed();
      conflicts.onWrite(`${record.pk}-b`);
      const writes = () => [write(`${record.pk}-a`), write(`${record.pk}-b`)];

      const failure = await store.commit(record, NOW_MS, writes()).catch((error: unknown) => error);
      const recordAfterConflict = await read(record.pk);
      const writtenAfterConflict = await wasWritten(`${record.pk}-a`);
      const rerun = await store.commit(record, NOW_MS, writes());

      expect(failure).toBeInstanceOf(BusinessWriteRejectedError);
      expect((failure as BusinessWriteRejectedError).reasons).toEqual([
        { failed: false, code: "None" },
        { failed: true, code: "TransactionConflict" },
      ]);
      expect(recordAfterConflict).toBeUndefined();
      expect(writtenAfterConflict).toBe(false);
      expect(rerun).toEqual({ committed: true });
      expect(await wasWritten(`${record.pk}-a`)).toBe(true);
      expect(await wasWritten(`${record.pk}-b`)).toBe(true);
      // The record's own item met nothing: no read was needed.
      expect(conflicts.recordReads(record.pk)).toBe(0);
    });

    it("lets exactly one of many concurrent commits with business writes win when they cancel one another", async () => {
      const world = withConflicts();
      const emulation = world.conflicts.emulate();
      try {
        await expectOneWinnerAmongConcurrentCommits(world, true);
      } finally {
        emulation.disarm();
      }

      expect(emulation.refused()).toBeGreaterThan(0);
    });
  });
}

/**
 * Sixteen commits of one key at once: one commits, with its writes; every
 * other gets its record, or (a lost race on its items) a rerun with nothing
 * of it written.
 */
async function expectOneWinnerAmongConcurrentCommits<TWrite>(
  { store, read, write, wasWritten }: StoreHarness<TWrite>,
  withWrites: boolean,
): Promise<void> {
  const base = completed();
  const contenders = Array.from({ length: 16 }, (_, index) => ({
    ...base,
    answer: `answer-${index}`,
  }));

  const settled = await Promise.allSettled(
    contenders.map((record, index) =>
      store.commit(record, NOW_MS, withWrites ? [write(`${base.pk}-${index}`)] : []),
    ),
  );

  const stored = await read(base.pk);
  const results = settled.map((outcome) => {
    // A lost race on the business items is a rerun for the caller: it will
    // then meet the record. Nothing of it was written.
    if (outcome.status === "rejected") {
      expect(outcome.reason).toBeInstanceOf(BusinessWriteRejectedError);
      return undefined;
    }
    return outcome.value;
  });
  const winners = results.flatMap((result, index) => (result?.committed ? [index] : []));
  expect(winners).toHaveLength(1);
  const winner = winners[0] ?? -1;
  expect(stored).toEqual(contenders[winner]);
  for (const result of results) {
    if (result && !result.committed) expect(result.existing).toEqual(stored);
  }
  if (withWrites) {
    const written = await Promise.all(
      contenders.map((_, index) => wasWritten(`${base.pk}-${index}`)),
    );
    expect(written.filter(Boolean)).toHaveLength(1);
    expect(written[winner]).toBe(true);
  }
}
