import {
  BusinessWriteRejectedError,
  type IdempotencyStore,
  IdempotencyStoreUnavailableError,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
} from "../../../functions/idempotency";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { HttpProblem, renderProblem } from "../../../functions/shared/http/problem-details";
import { created, idempotentHandler } from "../../support/idempotent-handler";
import {
  deferred,
  lambdaContext,
  restApiEvent,
  type TestRequest,
} from "../../support/lambda-fixtures";

const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
const PK = callerRecordKey("caller-1", "key-1");

/** The in-memory store, with every call logged in order. */
function setup() {
  const inner = new InMemoryIdempotencyStore();
  const calls: string[] = [];
  const store: IdempotencyStore<InMemoryWrite> = {
    peek: (pk, nowMs) => {
      calls.push("peek");
      return inner.peek(pk, nowMs);
    },
    commit: (record, nowMs, writes = []) => {
      calls.push(writes.length > 0 ? "commit-with-writes" : "commit-alone");
      return inner.commit(record, nowMs, writes);
    },
    claim: (record, nowMs) => {
      calls.push("claim");
      return inner.claim(record, nowMs);
    },
    advance: (lease, point, writes) => {
      calls.push("advance");
      return inner.advance(lease, point, writes);
    },
    complete: (lease, answer, at, writes) => {
      calls.push("complete");
      return inner.complete(lease, answer, at, writes);
    },
    release: (lease) => {
      calls.push("release");
      return inner.release(lease);
    },
  };
  const clock = { nowMs: START_MS };
  const options = {
    store,
    strategy: "commit",
    now: () => clock.nowMs,
    retentionSeconds: 3600,
    renderError: renderProblem,
  } as const;
  let effects = 0;
  /** A business write: one deposit's worth of effect. */
  const effect: InMemoryWrite = { apply: () => (effects += 1) };
  return { inner, calls, clock, options, effect, effects: () => effects };
}

const deposit = (overrides: Partial<TestRequest> = {}) =>
  restApiEvent({
    method: "POST",
    route: "/accounts/{accountId}/deposits",
    path: "/accounts/acc-1/deposits",
    pathParameters: { accountId: "acc-1" },
    body: JSON.stringify({ amount: 500 }),
    idempotencyKey: "key-1",
    ...overrides,
  });

const slugOf = (response: { body: string }) =>
  (JSON.parse(response.body) as { type: string }).type.split("/").at(-1);

describe("idempotency middleware, commit strategy (in-memory store)", () => {
  it("writes nothing before the handler, then the effect and the record in one commit", async () => {
    const { inner, calls, options, effect, effects } = setup();
    let callsWhenHandlerRan: string[] = [];
    const handler = idempotentHandler(options, async (_event, context) => {
      callsWhenHandlerRan = [...calls];
      return context.idempotency?.commit([effect], created({ id: "dep-1" }));
    });

    const response = await handler(deposit(), lambdaContext());

    expect(callsWhenHandlerRan).toEqual([]);
    expect(calls).toEqual(["commit-with-writes"]);
    expect(response.statusCode).toBe(201);
    expect(response.headers["idempotent-replayed"]).toBeUndefined();
    expect(effects()).toBe(1);
    const record = inner.get(PK);
    expect(record).toMatchObject({ status: "COMPLETED", expiresAt: START_MS / 1000 + 3600 });
    expect(record).not.toHaveProperty("leaseToken");
    expect(record?.status === "COMPLETED" && JSON.parse(record.answer)).toMatchObject({
      statusCode: 201,
      body: '{"id":"dep-1"}',
    });
  });

  it("answers a retry with the committed answer, marked as a replay, and writes nothing", async () => {
    const { calls, options, effect, effects } = setup();
    let deposits = 0;
    const handler = idempotentHandler(options, async (_event, context) => {
      deposits += 1;
      return context.idempotency?.commit([effect], created({ id: `dep-${deposits}` }));
    });

    const first = await handler(deposit(), lambdaContext());
    const retry = await handler(deposit(), lambdaContext());

    expect(retry.statusCode).toBe(201);
    expect(retry.body).toBe(first.body);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(effects()).toBe(1);
    // The retry ran its reads and lost its one commit: one round trip more, nothing written.
    expect(calls).toEqual(["commit-with-writes", "commit-with-writes"]);
  });

  it("answers 422 to the same key with another request and leaves the record as it was", async () => {
    const { inner, options, effect, effects } = setup();
    const handler = idempotentHandler(options, async (_event, context) =>
      context.idempotency?.commit([effect], created({ id: "dep-1" })),
    );
    await handler(deposit(), lambdaContext());
    const before = inner.get(PK);

    const reused = await handler(deposit({ body: '{"amount":999}' }), lambdaContext());

    expect(reused.statusCode).toBe(422);
    expect(slugOf(reused)).toBe("idempotency-key-reused");
    expect(inner.get(PK)).toEqual(before);
    expect(effects()).toBe(1);
  });

  it("stores a business 4xx with one conditional put and replays it", async () => {
    const { calls, options } = setup();
    const handler = idempotentHandler(options, async () => {
      throw new HttpProblem(409, "insufficient-funds", "Insufficient funds", "Balance 0.");
    });

    const first = await handler(deposit(), lambdaContext());
    const retry = await handler(deposit(), lambdaContext());

    expect(first.statusCode).toBe(409);
    expect(slugOf(first)).toBe("insufficient-funds");
    expect(retry.statusCode).toBe(409);
    expect(retry.body).toBe(first.body);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(calls).toEqual(["commit-alone", "commit-alone"]);
  });

  it("answers 422, rendered as the project's problem, to a business 4xx under another request's key", async () => {
    const { inner, options, effect } = setup();
    const handler = idempotentHandler(options, async (event, context) => {
      if (String(event.body).includes("999")) {
        throw new HttpProblem(404, "not-found", "Not found", "The account was not found.");
      }
      return context.idempotency?.commit([effect], created({ id: "dep-1" }));
    });
    await handler(deposit(), lambdaContext());
    const before = inner.get(PK);

    const reused = await handler(deposit({ body: '{"amount":999}' }), lambdaContext());

    expect(reused.statusCode).toBe(422);
    expect(reused.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(reused.body).type).toBe(
      "https://payments.example.com/problems/idempotency-key-reused",
    );
    expect(inner.get(PK)).toEqual(before);
  });

  it("stores nothing for a 5xx or a thrown error: the retry runs at once and commits", async () => {
    const { inner, calls, options, effect, effects } = setup();
    const outcomes = ["throw", "503", "commit"];
    const handler = idempotentHandler(options, async (_event, context) => {
      const outcome = outcomes.shift();
      if (outcome === "throw") throw new Error("crash: secret internals");
      if (outcome === "503") return { statusCode: 503, body: "{}" };
      return context.idempotency?.commit([effect], created({ id: "dep-1" }));
    });

    const crashed = await handler(deposit(), lambdaContext());
    const unavailable = await handler(deposit(), lambdaContext());
    const recordBeforeRetry = inner.get(PK);
    const retried = await handler(deposit(), lambdaContext());

    expect(crashed.statusCode).toBe(500);
    expect(crashed.body).not.toContain("secret internals");
    expect(unavailable.statusCode).toBe(503);
    expect(recordBeforeRetry).toBeUndefined();
    expect(retried.statusCode).toBe(201);
    expect(retried.headers["idempotent-replayed"]).toBeUndefined();
    expect(effects()).toBe(1);
    expect(calls).toEqual(["commit-with-writes"]);
  });

  it("answers every concurrent duplicate with the one committed answer, never 409; one effect", async () => {
    const { options, effect, effects } = setup();
    const readsDone = deferred();
    let running = 0;
    let version = 0;
    const handler = idempotentHandler(options, async (_event, context) => {
      // Every attempt reads version 0 before any commits, as racing Lambdas would.
      const read = version;
      running += 1;
      if (running === 10) readsDone.resolve();
      await readsDone.promise;
      const bump: InMemoryWrite = {
        condition: () => version === read,
        apply: () => {
          version += 1;
        },
      };
      return context.idempotency?.commit([bump, effect], created({ id: "dep-1", version: read }));
    });

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => handler(deposit(), lambdaContext())),
    );

    expect(answers.map((answer) => answer.statusCode)).toEqual(answers.map(() => 201));
    expect(new Set(answers.map((answer) => answer.body)).size).toBe(1);
    expect(
      answers.filter((answer) => answer.headers["idempotent-replayed"] === "true"),
    ).toHaveLength(9);
    expect(version).toBe(1);
    expect(effects()).toBe(1);
  });

  it("lets a use case read again and commit again after a lost business race", async () => {
    const { options, effect, effects } = setup();
    let rounds = 0;
    const handler = idempotentHandler(options, async (_event, context) => {
      const commit = context.idempotency?.commit;
      if (!commit) throw new Error("no handle");
      for (;;) {
        rounds += 1;
        const stale: InMemoryWrite = { condition: () => rounds > 1, apply: () => undefined };
        try {
          return await commit([stale, effect], created({ id: "dep-1", rounds }));
        } catch (error) {
          if (!(error instanceof BusinessWriteRejectedError)) throw error;
        }
      }
    });

    const response = await handler(deposit(), lambdaContext());

    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toEqual({ id: "dep-1", rounds: 2 });
    expect(effects()).toBe(1);
  });

  it("refuses an answer too large to store before anything is written (500)", async () => {
    const { inner, options, effect, effects } = setup();
    const handler = idempotentHandler(
      { ...options, maxStoredAnswerBytes: 10 },
      async (_event, context) =>
        context.idempotency?.commit([effect], created({ id: "x".repeat(100) })),
    );

    const response = await handler(deposit(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(inner.get(PK)).toBeUndefined();
    expect(effects()).toBe(0);
  });

  it("answers 503 with Retry-After when the store cannot be reached, and runs nothing twice: one run, one commit tried, nothing written; the retry applies the effect once", async () => {
    const { inner, calls, options, effect, effects } = setup();
    let reachable = false;
    let commitsTried = 0;
    const flaky: IdempotencyStore<InMemoryWrite> = {
      ...options.store,
      commit: async (record, nowMs, writes) => {
        commitsTried += 1;
        if (!reachable) throw new IdempotencyStoreUnavailableError(1);
        return options.store.commit(record, nowMs, writes);
      },
    };
    const handler = idempotentHandler({ ...options, store: flaky }, async (_event, context) =>
      context.idempotency?.commit([effect], created({ id: "dep-1" })),
    );

    const response = await handler(deposit(), lambdaContext());
    const runsWhenUnreachable = handler.executions();
    const commitsWhenUnreachable = commitsTried;
    const effectsWhenUnreachable = effects();
    const recordWhenUnreachable = inner.get(PK);
    reachable = true;
    const retry = await handler(deposit(), lambdaContext());

    // The unreachable store: the handler ran once, its commit was tried once
    // (not again behind the caller's back), nothing was written.
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(runsWhenUnreachable).toBe(1);
    expect(commitsWhenUnreachable).toBe(1);
    expect(effectsWhenUnreachable).toBe(0);
    expect(recordWhenUnreachable).toBeUndefined();
    // The retry: one more run and one commit, the effect applied once in all.
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(handler.executions()).toBe(2);
    expect(commitsTried).toBe(2);
    expect(calls).toEqual(["commit-with-writes"]);
    expect(effects()).toBe(1);
    expect(inner.get(PK)?.status).toBe("COMPLETED");
  });
});

describe("commit strategy with peek: the record read while the handler runs", () => {
  it("answers a replay from the record it read: the retry sends no transaction", async () => {
    const { calls, options, effect, effects } = setup();
    let runs = 0;
    const handler = idempotentHandler({ ...options, peek: true }, async (_event, context) => {
      runs += 1;
      return context.idempotency?.commit([effect], created({ id: `dep-${runs}` }));
    });

    const first = await handler(deposit(), lambdaContext());
    const retry = await handler(deposit(), lambdaContext());

    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.body).toBe(first.body);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(effects()).toBe(1);
    // First: a peek (nothing there) and the commit. Retry: a peek, no commit.
    expect(calls).toEqual(["peek", "commit-with-writes", "peek"]);
    expect(runs).toBe(2);
  });

  it("answers 422 for another request's key without a transaction", async () => {
    const { calls, options, effect, effects } = setup();
    const handler = idempotentHandler({ ...options, peek: true }, async (_event, context) =>
      context.idempotency?.commit([effect], created({ id: "dep-1" })),
    );

    await handler(deposit(), lambdaContext());
    const other = await handler(deposit({ body: '{"amount":999}' }), lambdaContext());

    expect(other.statusCode).toBe(422);
    expect(slugOf(other)).toBe("idempotency-key-reused");
    expect(effects()).toBe(1);
    expect(calls).toEqual(["peek", "commit-with-writes", "peek"]);
  });

  it("commits as usual when the record it read has expired", async () => {
    const { calls, clock, options, effect, effects } = setup();
    const handler = idempotentHandler({ ...options, peek: true }, async (_event, context) =>
      context.idempotency?.commit([effect], created({ id: `dep-${effects() + 1}` })),
    );

    await handler(deposit(), lambdaContext());
    clock.nowMs += 3_601_000;
    const later = await handler(deposit(), lambdaContext());

    expect(later.statusCode).toBe(201);
    expect(later.headers["idempotent-replayed"]).toBeUndefined();
    expect(effects()).toBe(2);
    expect(calls).toEqual(["peek", "commit-with-writes", "peek", "commit-with-writes"]);
  });

  it("lets the commit decide when the peek fails: the answer is stored once", async () => {
    const { inner, calls, options, effect, effects } = setup();
    const failingPeek: typeof options.store = {
      ...options.store,
      peek: async () => {
        calls.push("peek failed");
        throw new IdempotencyStoreUnavailableError(1);
      },
    };
    const handler = idempotentHandler(
      { ...options, store: failingPeek, peek: true },
      async (_event, context) => context.idempotency?.commit([effect], created({ id: "dep-1" })),
    );

    const first = await handler(deposit(), lambdaContext());
    const retry = await handler(deposit(), lambdaContext());

    expect(first.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(effects()).toBe(1);
    expect(inner.get(PK)?.status).toBe("COMPLETED");
    expect(calls).toEqual([
      "peek failed",
      "commit-with-writes",
      "peek failed",
      "commit-with-writes",
    ]);
  });

  it("lets the commit decide on an in-progress record it saw: completed meanwhile, it is replayed", async () => {
    const { inner, calls, clock, options, effect, effects } = setup();
    let runs = 0;
    const handler = idempotentHandler({ ...options, peek: true }, async (_event, context) => {
      // A lease-strategy attempt of the same request completes while this one runs.
      runs += 1;
      if (completedMeanwhile) inner.put(completedMeanwhile);
      return context.idempotency?.commit([effect], created({ id: `dep-${runs}` }));
    });
    let completedMeanwhile: ReturnType<typeof inner.get>;
    await handler(deposit(), lambdaContext());
    const stored = inner.get(PK);
    if (stored?.status !== "COMPLETED") throw new Error("the first request stored its answer");
    const { answer: _answer, completedAtMs: _completedAtMs, ...rest } = stored;
    inner.put({
      ...rest,
      status: "IN_PROGRESS",
      leaseToken: "other",
      leaseExpiresAtMs: clock.nowMs + 60_000,
    });
    completedMeanwhile = stored;
    calls.length = 0;

    const retry = await handler(deposit(), lambdaContext());

    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(JSON.parse(retry.body)).toEqual({ id: "dep-1" });
    expect(effects()).toBe(1);
    expect(calls).toEqual(["peek", "commit-with-writes"]);
  });

  it("answers a retry whose handler refuses (no writes) from the record it read", async () => {
    const { calls, options, effect, effects } = setup();
    let runs = 0;
    const handler = idempotentHandler({ ...options, peek: true }, async (_event, context) => {
      runs += 1;
      if (runs > 1) throw new HttpProblem(409, "insufficient-funds", "Insufficient funds", "No.");
      return context.idempotency?.commit([effect], created({ id: "dep-1" }));
    });

    const first = await handler(deposit(), lambdaContext());
    const retry = await handler(deposit(), lambdaContext());

    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body).toBe(first.body);
    expect(effects()).toBe(1);
    expect(calls).toEqual(["peek", "commit-with-writes", "peek"]);
  });

  it("commits without the peek once it takes longer than its budget", async () => {
    const { inner, calls, options, effect, effects } = setup();
    const slowPeek: typeof options.store = {
      ...options.store,
      peek: () => {
        calls.push("peek never answers");
        return new Promise(() => undefined);
      },
    };
    const handler = idempotentHandler(
      { ...options, store: slowPeek, peek: true },
      async (_event, context) => context.idempotency?.commit([effect], created({ id: "dep-1" })),
    );

    const first = await handler(deposit(), lambdaContext());

    expect(first.statusCode).toBe(201);
    expect(effects()).toBe(1);
    expect(inner.get(PK)?.status).toBe("COMPLETED");
    expect(calls).toEqual(["peek never answers", "commit-with-writes"]);
  });

  it("peeks only when asked: without the option a first execution sends one request", async () => {
    const { calls, options, effect } = setup();
    const handler = idempotentHandler(options, async (_event, context) =>
      context.idempotency?.commit([effect], created({ id: "dep-1" })),
    );

    await handler(deposit(), lambdaContext());

    expect(calls).toEqual(["commit-with-writes"]);
  });
});
