import {
  BusinessWriteRejectedError,
  IdempotencyLeaseLostError,
  type IdempotencyRecord,
  type IdempotencyStore,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
  type InProgressRecord,
  type StoredResponse,
} from "../../functions/idempotency";

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

const answer: StoredResponse = {
  statusCode: 201,
  headers: { "content-type": "application/json", location: "/things/1" },
  body: '{"id":"1"}',
  isBase64Encoded: false,
};

const leaseOf = (record: InProgressRecord) => ({ pk: record.pk, leaseToken: record.leaseToken });

/**
 * One suite, every adapter: the in-memory store is only a valid stand-in for
 * DynamoDB in unit tests because both pass exactly these cases.
 */
export function describeStoreContract<TWrite>(
  name: string,
  harness: () => StoreHarness<TWrite>,
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
        existing: { ...first, status: "COMPLETED", response: answer, completedAtMs: NOW_MS + 5 },
      });
    });

    it("claims over a record past its retention, whatever it holds", async () => {
      const { store, seed, read } = harness();
      const old = inProgress({ expiresAt: NOW_MS / 1000 - 1 });
      await seed({ ...old, status: "COMPLETED", response: answer, completedAtMs: NOW_MS - 5 });
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
        response: answer,
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
}
