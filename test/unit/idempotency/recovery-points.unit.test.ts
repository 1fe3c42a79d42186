import {
  IdempotencyConfigurationError,
  IdempotencyLeaseLostError,
  type IdempotencyStore,
  IdempotencyStoreUnavailableError,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
  makeIdempotent,
} from "../../../functions/idempotency";
import { recordKey } from "../../../functions/idempotency/core/record";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { created, idempotentHandler } from "../../support/idempotent-handler";
import { lambdaContext, restApiEvent } from "../../support/lambda-fixtures";

/**
 * The one attempt lifecycle, as both faces drive it, with recovery points
 * (rocket-rides-atomic's atomic phases): an attempt commits phases; an
 * attempt that ends without an answer keeps its point and lets go of the
 * key, and the next attempt of the same request resumes after the point,
 * never repeating a committed phase.
 */

const NOW_MS = Date.UTC(2026, 11, 6, 12, 0, 0);

/** Business writes that count how often each phase's effect was applied. */
function ledger() {
  const applied: string[] = [];
  const write = (name: string): InMemoryWrite => ({ apply: () => applied.push(name) });
  return { applied, write };
}

describe("recovery points through the HTTP face (lease strategy)", () => {
  const event = () =>
    restApiEvent({ method: "POST", route: "/charges", body: '{"amount":1}', idempotencyKey: "k" });
  const pk = callerRecordKey("caller-1", "k");

  it("a 5xx after a phase keeps the point; the retry resumes after it at once and stores its answer", async () => {
    const store = new InMemoryIdempotencyStore();
    const { applied, write } = ledger();
    const seen: Array<string | undefined> = [];
    let processorAnswers = false;
    const handler = idempotentHandler<InMemoryWrite>(
      { store, strategy: "lease", now: () => NOW_MS },
      async (_event, context) => {
        const handle = context.idempotency;
        if (!handle) throw new Error("no handle");
        seen.push(handle.recoveryPoint);
        if (handle.recoveryPoint === undefined) await handle.advance("started", [write("started")]);
        // The outcome at the processor is unknown: 503, not stored.
        if (!processorAnswers) return { statusCode: 503, body: "{}" };
        return handle.commit([write("finished")], created({ id: "charge-1" }));
      },
    );

    const first = await handler(event(), lambdaContext());
    const afterFirst = store.get(pk);
    processorAnswers = true;
    const retry = await handler(event(), lambdaContext());
    const replay = await handler(event(), lambdaContext());

    expect(first.statusCode).toBe(503);
    // The lease ended with the attempt; the point stayed for the retry.
    expect(afterFirst).toMatchObject({
      status: "IN_PROGRESS",
      recoveryPoint: "started",
      leaseExpiresAtMs: 0,
    });
    expect(retry.statusCode).toBe(201);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(seen).toEqual([undefined, "started"]);
    expect(applied).toEqual(["started", "finished"]);
    expect(handler.executions()).toBe(2);
  });

  it("a phase whose answer is lost (it may have committed) keeps the record: the retry resumes, never repeating it", async () => {
    const inner = new InMemoryIdempotencyStore();
    // The phase commits, then its answer is lost on the way back (as a
    // TransactWriteItems without cancellation reasons is reported).
    let loseNextAdvanceAnswer = true;
    const store: IdempotencyStore<InMemoryWrite> = {
      peek: (pk, nowMs) => inner.peek(pk, nowMs),
      commit: (record, nowMs, writes) => inner.commit(record, nowMs, writes),
      claim: (record, nowMs) => inner.claim(record, nowMs),
      complete: (lease, answer, at, writes) => inner.complete(lease, answer, at, writes),
      release: (lease, options) => inner.release(lease, options),
      advance: async (lease, point, writes) => {
        await inner.advance(lease, point, writes);
        if (loseNextAdvanceAnswer) {
          loseNextAdvanceAnswer = false;
          throw new IdempotencyStoreUnavailableError(1);
        }
      },
    };
    const { applied, write } = ledger();
    const handler = idempotentHandler<InMemoryWrite>(
      { store, strategy: "lease", now: () => NOW_MS },
      async (_event, context) => {
        const handle = context.idempotency;
        if (!handle) throw new Error("no handle");
        if (handle.recoveryPoint === undefined) await handle.advance("started", [write("started")]);
        return handle.commit([write("finished")], created({ id: "charge-1" }));
      },
    );

    const first = await handler(event(), lambdaContext());
    const afterFirst = inner.get(pk);
    const retry = await handler(event(), lambdaContext());

    expect(first.statusCode).toBe(503);
    expect(afterFirst).toMatchObject({
      status: "IN_PROGRESS",
      recoveryPoint: "started",
      leaseExpiresAtMs: 0,
    });
    expect(retry.statusCode).toBe(201);
    expect(applied).toEqual(["started", "finished"]);
  });

  it("a 5xx before any phase releases the key whole: the retry starts from the beginning", async () => {
    const store = new InMemoryIdempotencyStore();
    const seen: Array<string | undefined> = [];
    const handler = idempotentHandler<InMemoryWrite>(
      { store, strategy: "lease", now: () => NOW_MS },
      async (_event, context) => {
        seen.push(context.idempotency?.recoveryPoint);
        return { statusCode: 503, body: "{}" };
      },
    );

    await handler(event(), lambdaContext());
    const afterFirst = store.get(pk);
    await handler(event(), lambdaContext());

    expect(afterFirst).toBeUndefined();
    expect(seen).toEqual([undefined, undefined]);
  });

  it("refuses phases under the commit strategy: no claim holds them", async () => {
    const store = new InMemoryIdempotencyStore();
    let refusal: unknown;
    const handler = idempotentHandler<InMemoryWrite>(
      { store, strategy: "commit", now: () => NOW_MS },
      async (_event, context) => {
        refusal = await context.idempotency?.advance("started").catch((error: unknown) => error);
        return created({ id: "1" });
      },
    );

    await handler(event(), lambdaContext());

    expect(refusal).toBeInstanceOf(IdempotencyConfigurationError);
  });
});

describe("recovery points through the function face (lease strategy)", () => {
  interface Charge {
    readonly id: string;
  }
  const charge: Charge = { id: "charge-1" };
  const pk = recordKey(["function", "charges"], "charge-1");

  it("a run that throws after a phase keeps the point; the next run resumes after it", async () => {
    const store = new InMemoryIdempotencyStore();
    const clock = { nowMs: NOW_MS };
    const { applied, write } = ledger();
    const seen: Array<string | undefined> = [];
    let crash = true;
    const settle = makeIdempotent<Charge, string, InMemoryWrite>(
      async (_charge, handle) => {
        seen.push(handle.recoveryPoint);
        if (handle.recoveryPoint === undefined) await handle.advance("started", [write("started")]);
        if (crash) throw new Error("the processor did not answer");
        return handle.commit([write("finished")], "settled");
      },
      { store, strategy: "lease", scope: "charges", keyOf: (c) => c.id, now: () => clock.nowMs },
    );

    await expect(settle(charge)).rejects.toThrow("the processor did not answer");
    crash = false;
    const resumed = await settle(charge);
    const replayed = await settle(charge);

    expect(resumed).toEqual({ value: "settled", replayed: false });
    expect(replayed).toEqual({ value: "settled", replayed: true });
    expect(seen).toEqual([undefined, "started"]);
    expect(applied).toEqual(["started", "finished"]);
    expect(store.get(pk)).toMatchObject({ status: "COMPLETED", recoveryPoint: "started" });
  });

  it("a zombie whose lease was taken over can commit no phase: the takeover resumes after the last one it saw", async () => {
    const store = new InMemoryIdempotencyStore();
    const clock = { nowMs: NOW_MS };
    const { applied, write } = ledger();
    const zombieMayGoOn: { resolve?: () => void } = {};
    let zombieRefusal: unknown;
    const seen: Array<string | undefined> = [];
    const settle = makeIdempotent<Charge, string, InMemoryWrite>(
      async (_charge, handle) => {
        seen.push(handle.recoveryPoint);
        if (handle.recoveryPoint === undefined) {
          await handle.advance("started", [write("started")]);
          // The first run stalls past its lease (a frozen container).
          await new Promise<void>((resolve) => {
            zombieMayGoOn.resolve = resolve;
          });
          zombieRefusal = await handle
            .advance("charged", [write("zombie charged")])
            .catch((error: unknown) => error);
          throw zombieRefusal;
        }
        return handle.commit([write("finished")], "settled");
      },
      {
        store,
        strategy: "lease",
        scope: "charges",
        keyOf: (c) => c.id,
        now: () => clock.nowMs,
        leaseWithoutDeadlineMs: 1_000,
      },
    );

    const zombie = settle(charge).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    clock.nowMs += 5_000;
    const takeover = await settle(charge);
    zombieMayGoOn.resolve?.();
    await zombie;

    expect(takeover).toEqual({ value: "settled", replayed: false });
    expect(zombieRefusal).toBeInstanceOf(IdempotencyLeaseLostError);
    expect(seen).toEqual([undefined, "started"]);
    expect(applied).toEqual(["started", "finished"]);
    expect(store.get(pk)).toMatchObject({ status: "COMPLETED", answer: '"settled"' });
  });
});
