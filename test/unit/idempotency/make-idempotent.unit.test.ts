import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
  makeIdempotent,
} from "../../../functions/idempotency";
import { recordKey } from "../../../functions/idempotency/core/record";
import { deferred } from "../../support/lambda-fixtures";

const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

interface Payment {
  readonly id: string;
  readonly amount: number;
}

function world() {
  const store = new InMemoryIdempotencyStore();
  const clock = { nowMs: NOW_MS };
  let effects = 0;
  const effect: InMemoryWrite = { apply: () => (effects += 1) };
  const common = {
    store,
    scope: "payments-consumer",
    keyOf: (payment: Payment) => payment.id,
    now: () => clock.nowMs,
    retentionSeconds: 3600,
  };
  return { store, clock, effect, effects: () => effects, common };
}

const payment: Payment = { id: "pay-1", amount: 500 };
const pk = recordKey(["function", "payments-consumer"], "pay-1");

describe("makeIdempotent, lease strategy", () => {
  it("runs once, stores the result as JSON, and replays it without running again", async () => {
    const { store, common } = world();
    let runs = 0;
    const charge = makeIdempotent(
      async (input: Payment) => {
        runs += 1;
        return { charged: input.amount, run: runs };
      },
      { ...common, strategy: "lease" },
    );

    const first = await charge(payment);
    const again = await charge(payment);

    expect(first).toEqual({ value: { charged: 500, run: 1 }, replayed: false });
    expect(again).toEqual({ value: { charged: 500, run: 1 }, replayed: true });
    expect(runs).toBe(1);
    const record = store.get(pk);
    expect(record?.status === "COMPLETED" && record.answer).toBe('{"charged":500,"run":1}');
  });

  it("refuses a duplicate while the first runs (409 error), then replays", async () => {
    const { common } = world();
    const gate = deferred();
    const charge = makeIdempotent(
      async () => {
        await gate.promise;
        return "done";
      },
      { ...common, strategy: "lease" },
    );

    const first = charge(payment);
    await new Promise((resolve) => setImmediate(resolve));
    const duplicate = await charge(payment).catch((error: unknown) => error);
    gate.resolve();

    expect(duplicate).toBeInstanceOf(IdempotencyKeyInProgressError);
    expect(await first).toEqual({ value: "done", replayed: false });
    expect(await charge(payment)).toEqual({ value: "done", replayed: true });
  });

  it("releases the claim when the function throws, so a retry runs at once", async () => {
    const { store, common } = world();
    let attempts = 0;
    const charge = makeIdempotent(
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("provider down");
        return "charged";
      },
      { ...common, strategy: "lease" },
    );

    await expect(charge(payment)).rejects.toThrow("provider down");
    const afterFailure = store.get(pk);
    const retry = await charge(payment);

    expect(afterFailure).toBeUndefined();
    expect(retry).toEqual({ value: "charged", replayed: false });
    expect(attempts).toBe(2);
  });

  it("refuses the same key for another payload (422 error)", async () => {
    const { common } = world();
    const charge = makeIdempotent(async () => "charged", { ...common, strategy: "lease" });
    await charge(payment);

    const other = await charge({ id: "pay-1", amount: 999 }).catch((error: unknown) => error);

    expect(other).toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it("stores a function that returns nothing as null", async () => {
    const { common } = world();
    const notify = makeIdempotent(async () => undefined, { ...common, strategy: "lease" });

    await notify(payment);

    expect(await notify(payment)).toEqual({ value: null, replayed: true });
  });

  it("bounds the lease by the invocation's remaining time plus the margin", async () => {
    const { store, common } = world();
    const gate = deferred();
    const charge = makeIdempotent(
      async () => {
        await gate.promise;
        return "charged";
      },
      { ...common, strategy: "lease", leaseMarginMs: 1_000 },
    );

    const running = charge(payment, { getRemainingTimeInMillis: () => 4_000 });
    await new Promise((resolve) => setImmediate(resolve));
    const claim = store.get(pk);
    gate.resolve();
    await running;

    expect(claim?.status === "IN_PROGRESS" && claim.leaseExpiresAtMs).toBe(NOW_MS + 5_000);
  });
});

describe("makeIdempotent, commit strategy", () => {
  it("commits the writes and the result together, then replays the result and writes nothing", async () => {
    const { store, effect, effects, common } = world();
    let runs = 0;
    const settle = makeIdempotent<Payment, { settled: number }, InMemoryWrite>(
      async (input, { commit }) => {
        runs += 1;
        return commit([effect], { settled: input.amount });
      },
      { ...common, strategy: "commit" },
    );

    const first = await settle(payment);
    const again = await settle(payment);

    expect(first).toEqual({ value: { settled: 500 }, replayed: false });
    expect(again).toEqual({ value: { settled: 500 }, replayed: true });
    expect(runs).toBe(2);
    expect(effects()).toBe(1);
    expect(store.get(pk)?.status).toBe("COMPLETED");
  });

  it("stores a result returned without commit() by one conditional put", async () => {
    const { common } = world();
    let runs = 0;
    const check = makeIdempotent(
      async () => {
        runs += 1;
        return { verdict: "refused", run: runs };
      },
      { ...common, strategy: "commit" },
    );

    await check(payment);
    const again = await check(payment);

    expect(again).toEqual({ value: { verdict: "refused", run: 1 }, replayed: true });
  });

  it("lets exactly one of many concurrent runs commit; the others return its result", async () => {
    const { effect, effects, common } = world();
    const allRunning = deferred();
    let running = 0;
    const settle = makeIdempotent<Payment, { run: number }, InMemoryWrite>(
      async (_input, { commit }) => {
        running += 1;
        const run = running;
        if (running === 8) allRunning.resolve();
        await allRunning.promise;
        return commit([effect], { run });
      },
      { ...common, strategy: "commit" },
    );

    const results = await Promise.all(Array.from({ length: 8 }, () => settle(payment)));

    expect(effects()).toBe(1);
    expect(new Set(results.map((result) => result.value.run)).size).toBe(1);
    expect(results.filter((result) => result.replayed)).toHaveLength(7);
  });

  it("stores nothing when the function throws: the retry runs again", async () => {
    const { store, effect, effects, common } = world();
    let attempts = 0;
    const settle = makeIdempotent<Payment, string, InMemoryWrite>(
      async (_input, { commit }) => {
        attempts += 1;
        if (attempts === 1) throw new Error("crash");
        return commit([effect], "settled");
      },
      { ...common, strategy: "commit" },
    );

    await expect(settle(payment)).rejects.toThrow("crash");
    const afterCrash = store.get(pk);
    const retry = await settle(payment);

    expect(afterCrash).toBeUndefined();
    expect(retry).toEqual({ value: "settled", replayed: false });
    expect(effects()).toBe(1);
  });
});
