import {
  BusinessWriteRejectedError,
  IdempotencyKeyReusedError,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
} from "../../../functions/idempotency";
import type { InProgressRecord } from "../../../functions/idempotency/core/record";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { HttpProblem } from "../../../functions/shared/http/problem-details";
import { created, idempotentHandler } from "../../support/idempotent-handler";
import {
  deferred,
  lambdaContext,
  restApiEvent,
  type TestRequest,
} from "../../support/lambda-fixtures";

const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

function setup() {
  const store = new InMemoryIdempotencyStore();
  const clock = { nowMs: START_MS };
  const options = {
    store,
    strategy: "lease",
    now: () => clock.nowMs,
    retentionSeconds: 3600,
  } as const;
  return { store, clock, options };
}

const deposit = (overrides: Partial<TestRequest> = {}) =>
  restApiEvent({
    method: "POST",
    route: "/accounts/{accountId}/deposits",
    path: "/accounts/acc-1/deposits",
    pathParameters: { accountId: "acc-1" },
    body: JSON.stringify({ amount: 500, currency: "EUR" }),
    idempotencyKey: "key-1",
    ...overrides,
  });

const problemOf = (response: { body: string }) =>
  JSON.parse(response.body) as { type: string; status: number };

describe("idempotency middleware, lease strategy (in-memory store)", () => {
  it("runs the handler for a first request and stores its answer", async () => {
    // Prepare
    const { store, options } = setup();
    const handler = idempotentHandler(options, async () =>
      created({ id: "dep-1" }, { location: "/deposits/dep-1" }),
    );

    // Act
    const response = await handler(deposit(), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers["idempotent-replayed"]).toBeUndefined();
    expect(handler.executions()).toBe(1);
    const record = store.get(callerRecordKey("caller-1", "key-1"));
    expect(record).toMatchObject({ status: "COMPLETED", expiresAt: START_MS / 1000 + 3600 });
    expect(record?.status === "COMPLETED" && JSON.parse(record.answer)).toMatchObject({
      statusCode: 201,
      body: '{"id":"dep-1"}',
    });
  });

  it("replays the stored answer for a completed key: same status, body bytes and headers", async () => {
    const { options } = setup();
    const handler = idempotentHandler(options, async () => ({
      statusCode: 201,
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        Location: "/deposits/dep-1",
        ETag: '"1"',
        "x-not-replayed": "yes",
      },
      body: '{"id":"dep-1",  "note":"kept byte for byte"}',
    }));

    const first = await handler(deposit(), lambdaContext());
    const replay = await handler(deposit(), lambdaContext());

    expect(handler.executions()).toBe(1);
    expect(replay.statusCode).toBe(first.statusCode);
    expect(replay.body).toBe(first.body);
    expect(replay.headers).toEqual({
      "content-type": "application/json; charset=utf-8",
      location: "/deposits/dep-1",
      etag: '"1"',
      "idempotent-replayed": "true",
    });
  });

  it("treats a re-ordered, re-spaced JSON body as the same request", async () => {
    const { options } = setup();
    const handler = idempotentHandler(options, async () => created({ id: "dep-1" }));

    await handler(deposit({ body: '{"amount":500,"currency":"EUR"}' }), lambdaContext());
    const replay = await handler(
      deposit({ body: '{ "currency": "EUR",\n  "amount": 500 }' }),
      lambdaContext(),
    );

    expect(handler.executions()).toBe(1);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
  });

  it.each<[string, Partial<TestRequest>]>([
    ["another body", { body: JSON.stringify({ amount: 501, currency: "EUR" }) }],
    [
      "another path parameter",
      { path: "/accounts/acc-2/deposits", pathParameters: { accountId: "acc-2" } },
    ],
    ["another route", { route: "/transfers", path: "/transfers", pathParameters: {} }],
    ["another method", { method: "PATCH" }],
  ])(
    "refuses the key reused for %s with 422 and leaves the record untouched",
    async (_, change) => {
      const { store, options } = setup();
      const handler = idempotentHandler(options, async () => created({ id: "dep-1" }));
      await handler(deposit(), lambdaContext());
      const before = store.get(callerRecordKey("caller-1", "key-1"));

      const response = await handler(deposit(change), lambdaContext());

      expect(response.statusCode).toBe(422);
      expect(response.headers["content-type"]).toBe("application/problem+json");
      expect(problemOf(response).type).toMatch(/\/problems\/idempotency-key-reused$/);
      expect(handler.executions()).toBe(1);
      expect(store.get(callerRecordKey("caller-1", "key-1"))).toEqual(before);
    },
  );

  it("answers 409 with Retry-After to a duplicate while the first is running, then replays", async () => {
    const { store, options } = setup();
    const gate = deferred();
    const handler = idempotentHandler(options, async () => {
      await gate.promise;
      return created({ id: "dep-1" });
    });

    const first = handler(deposit(), lambdaContext());
    await new Promise((resolve) => setImmediate(resolve));
    const duplicate = await handler(deposit(), lambdaContext());
    const recordWhileRunning = store.get(callerRecordKey("caller-1", "key-1"));
    gate.resolve();
    const firstResponse = await first;
    const afterwards = await handler(deposit(), lambdaContext());

    expect(duplicate.statusCode).toBe(409);
    expect(problemOf(duplicate).type).toMatch(/\/problems\/idempotency-key-in-progress$/);
    expect(Number(duplicate.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(recordWhileRunning?.status).toBe("IN_PROGRESS");
    expect(firstResponse.statusCode).toBe(201);
    expect(afterwards.headers["idempotent-replayed"]).toBe("true");
    expect(handler.executions()).toBe(1);
  });

  it("releases the claim when the handler throws, so a retry runs again", async () => {
    const { store, options } = setup();
    let fail = true;
    const handler = idempotentHandler(options, async () => {
      if (fail) throw new Error("database exploded: secret internals");
      return created({ id: "dep-1" });
    });

    const failed = await handler(deposit(), lambdaContext());
    const recordAfterFailure = store.get(callerRecordKey("caller-1", "key-1"));
    fail = false;
    const retried = await handler(deposit(), lambdaContext());

    expect(failed.statusCode).toBe(500);
    expect(failed.body).not.toContain("secret internals");
    expect(problemOf(failed).type).toMatch(/\/problems\/internal-error$/);
    expect(recordAfterFailure).toBeUndefined();
    expect(retried.statusCode).toBe(201);
    expect(retried.headers["idempotent-replayed"]).toBeUndefined();
    expect(handler.executions()).toBe(2);
  });

  it("does not store a returned 5xx: the retry runs again", async () => {
    const { store, options } = setup();
    const statuses = [503, 201];
    const handler = idempotentHandler(options, async () => ({
      statusCode: statuses.shift(),
      body: "{}",
    }));

    const unavailable = await handler(deposit(), lambdaContext());
    const recordAfter5xx = store.get(callerRecordKey("caller-1", "key-1"));
    const retried = await handler(deposit(), lambdaContext());

    expect(unavailable.statusCode).toBe(503);
    expect(recordAfter5xx).toBeUndefined();
    expect(retried.statusCode).toBe(201);
    expect(handler.executions()).toBe(2);
  });

  it("stores a thrown business 4xx, rendered as problem+json, and replays it", async () => {
    const { options } = setup();
    const handler = idempotentHandler(options, async () => {
      throw new HttpProblem(409, "insufficient-funds", "Insufficient funds", "Balance is 0.");
    });

    const first = await handler(deposit(), lambdaContext());
    const replay = await handler(deposit(), lambdaContext());

    expect(first.statusCode).toBe(409);
    expect(problemOf(first).type).toMatch(/\/problems\/insufficient-funds$/);
    expect(replay.statusCode).toBe(409);
    expect(replay.body).toBe(first.body);
    expect(replay.headers).toEqual({
      "content-type": "application/problem+json",
      "idempotent-replayed": "true",
    });
    expect(handler.executions()).toBe(1);
  });

  it("stores and replays a handler that returns nothing (204)", async () => {
    const { options } = setup();
    const handler = idempotentHandler(options, async () => undefined);

    const first = await handler(deposit(), lambdaContext());
    const replay = await handler(deposit(), lambdaContext());

    expect(first).toMatchObject({ statusCode: 204, body: "" });
    expect(replay).toMatchObject({ statusCode: 204, body: "" });
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(handler.executions()).toBe(1);
  });

  it.each<[string, Record<string, string>, string]>([
    ["missing", {}, "idempotency-key-missing"],
    ["empty", { "idempotency-key": "" }, "idempotency-key-invalid"],
    ["not visible ASCII", { "idempotency-key": "clé" }, "idempotency-key-invalid"],
    ["given twice", { "idempotency-key": "a, b" }, "idempotency-key-invalid"],
  ])("answers 400 for a %s key without running or storing anything", async (_, headers, slug) => {
    const { store, options } = setup();
    const handler = idempotentHandler(options, async () => created({}));
    const event = deposit({
      headers,
      ...("idempotency-key" in headers ? {} : { idempotencyKey: undefined }),
    });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toMatch(new RegExp(`/problems/${slug}$`));
    expect(handler.executions()).toBe(0);
    expect(store.get(callerRecordKey("caller-1", "key-1"))).toBeUndefined();
  });

  it.each(["GET", "HEAD", "OPTIONS"])(
    "ignores the header on %s, even a malformed one",
    async (method) => {
      const { options } = setup();
      const handler = idempotentHandler(options, async () => ({
        statusCode: 200,
        headers: { "content-type": "application/json" },
        body: "{}",
      }));
      const event = deposit({ method, idempotencyKey: '"unterminated' });

      const first = await handler(event, lambdaContext());
      const second = await handler(event, lambdaContext());

      expect(first.statusCode).toBe(200);
      expect(second.headers["idempotent-replayed"]).toBeUndefined();
      expect(handler.executions()).toBe(2);
    },
  );

  it("keeps callers apart: another caller's same key runs as its own first request", async () => {
    const { store, options } = setup();
    const handler = idempotentHandler(options, async (event) =>
      created({ owner: event.requestContext?.authorizer }),
    );
    await handler(deposit({ sub: "alice" }), lambdaContext());
    const alicesRecord = store.get(callerRecordKey("alice", "key-1"));

    const bobs = await handler(
      deposit({ sub: "bob", body: JSON.stringify({ amount: 9 }) }),
      lambdaContext(),
    );

    expect(bobs.statusCode).toBe(201);
    expect(bobs.headers["idempotent-replayed"]).toBeUndefined();
    expect(bobs.body).not.toContain("alice");
    expect(handler.executions()).toBe(2);
    expect(store.get(callerRecordKey("alice", "key-1"))).toEqual(alicesRecord);
  });

  it("runs a request again once its record is past the retention", async () => {
    const { clock, options } = setup();
    const handler = idempotentHandler(options, async () => created({ id: "dep-1" }));
    await handler(deposit(), lambdaContext());

    clock.nowMs += 3600 * 1000 + 1000;
    const response = await handler(deposit(), lambdaContext());

    expect(response.headers["idempotent-replayed"]).toBeUndefined();
    expect(handler.executions()).toBe(2);
  });

  it("blocks retries of a crashed attempt until its lease ends, then takes it over", async () => {
    const { store, clock, options } = setup();
    const handler = idempotentHandler(options, async () => created({ id: "dep-1" }));
    const crashed = deposit();
    // A claim that was never completed: the process died mid-request.
    const claimOnly = idempotentHandler(options, () => new Promise(() => undefined));
    void claimOnly(crashed, lambdaContext(5_000));
    await new Promise((resolve) => setImmediate(resolve));
    const lease = store.get(callerRecordKey("caller-1", "key-1"));

    const duringLease = await handler(deposit(), lambdaContext());
    clock.nowMs = (lease?.leaseExpiresAtMs ?? 0) + 1;
    const afterLease = await handler(deposit(), lambdaContext());

    expect(lease?.leaseExpiresAtMs).toBeGreaterThan(START_MS + 5_000);
    expect(lease?.leaseExpiresAtMs).toBeLessThanOrEqual(START_MS + 5_000 + 1_000);
    expect(duringLease.statusCode).toBe(409);
    expect(afterLease.statusCode).toBe(201);
    expect(handler.executions()).toBe(1);
  });

  it("answers 503 with Retry-After and never runs the handler when the store is down", async () => {
    const { store, options } = setup();
    store.claim = async () => {
      throw new Error("connect ECONNREFUSED");
    };
    const handler = idempotentHandler(options, async () => created({}));

    const response = await handler(deposit(), lambdaContext());

    expect(response.statusCode).toBe(503);
    expect(problemOf(response).type).toMatch(/\/problems\/idempotency-store-unavailable$/);
    expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(handler.executions()).toBe(0);
  });

  it("completes the record it claimed even when a later middleware changed the event", async () => {
    const { store, options } = setup();
    const handler = idempotentHandler(options, async (event) => {
      // What a careless body parser or a mutating middleware could do.
      (event as { body?: unknown }).body = { changed: true };
      (event as { pathParameters?: unknown }).pathParameters = { accountId: "other" };
      return created({ id: "dep-1" });
    });

    await handler(deposit(), lambdaContext());
    const replay = await handler(deposit(), lambdaContext());

    expect(store.get(callerRecordKey("caller-1", "key-1"))?.status).toBe("COMPLETED");
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(handler.executions()).toBe(1);
  });

  it("refuses a request without a caller instead of sharing keys between callers", async () => {
    const { options } = setup();
    const handler = idempotentHandler(options, async () => created({}));

    const response = await handler(deposit({ sub: null }), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(handler.executions()).toBe(0);
  });

  it("releases the claim of an answer too large to store (and still returns it)", async () => {
    const { store, options } = setup();
    const handler = idempotentHandler({ ...options, maxStoredAnswerBytes: 10 }, async () =>
      created({ big: "x".repeat(100) }),
    );

    const response = await handler(deposit(), lambdaContext());

    expect(response.statusCode).toBe(201);
    expect(store.get(callerRecordKey("caller-1", "key-1"))).toBeUndefined();
  });

  describe("the exactly-once path (commit)", () => {
    it("answers the layer's own error raised inside the handler without storing it for the key", async () => {
      // A handler that finds the key's effect held by another request (a
      // queued movement, see functions/movements) says 422, but the key is
      // not this request's to bind: its first request's retry must still
      // get its own answer. Seen failing when the middleware stored it.
      const { store, options } = setup();
      const commitOptions = { ...options, strategy: "commit" } as const;
      let keyHeldElsewhere = true;
      const handler = idempotentHandler<InMemoryWrite>(commitOptions, async (_event, context) => {
        if (keyHeldElsewhere) throw new IdempotencyKeyReusedError();
        return context.idempotency?.commit([], created({ id: "dep-1" }));
      });

      const reused = await handler(deposit(), lambdaContext());
      keyHeldElsewhere = false;
      const retry = await handler(deposit(), lambdaContext());

      expect(reused.statusCode).toBe(422);
      expect(problemOf(reused).type).toMatch(/\/problems\/idempotency-key-reused$/);
      expect(retry.statusCode).toBe(201);
      expect(retry.headers["idempotent-replayed"]).toBeUndefined();
      expect(handler.executions()).toBe(2);
      expect(store.get(callerRecordKey("caller-1", "key-1"))?.status).toBe("COMPLETED");
    });

    it("applies the business writes and the completion together", async () => {
      const { store, options } = setup();
      const ledger: number[] = [];
      const handler = idempotentHandler<InMemoryWrite>(options, async (_event, context) =>
        context.idempotency?.commit([{ apply: () => ledger.push(500) }], created({ id: "dep-1" })),
      );

      const first = await handler(deposit(), lambdaContext());
      const replay = await handler(deposit(), lambdaContext());

      expect(first.statusCode).toBe(201);
      expect(replay.body).toBe(first.body);
      expect(ledger).toEqual([500]);
      expect(store.get(callerRecordKey("caller-1", "key-1"))?.status).toBe("COMPLETED");
    });

    it("writes nothing when a business condition fails, and stores the business answer", async () => {
      const { options } = setup();
      const ledger: number[] = [];
      const handler = idempotentHandler<InMemoryWrite>(options, async (_event, context) => {
        try {
          return await context.idempotency?.commit(
            [{ condition: () => false, apply: () => ledger.push(-500) }],
            created({ id: "pay-1" }),
          );
        } catch (error) {
          if (error instanceof BusinessWriteRejectedError && error.reasons[0]?.failed) {
            throw new HttpProblem(409, "insufficient-funds", "Insufficient funds", "No money.");
          }
          throw error;
        }
      });

      const first = await handler(deposit(), lambdaContext());
      const replay = await handler(deposit(), lambdaContext());

      expect(first.statusCode).toBe(409);
      expect(replay.statusCode).toBe(409);
      expect(replay.headers["idempotent-replayed"]).toBe("true");
      expect(ledger).toEqual([]);
      expect(handler.executions()).toBe(1);
    });

    it("lets a zombie whose lease was taken over neither commit nor touch the new owner's record", async () => {
      const { store, options } = setup();
      const ledger: number[] = [];
      const pk = callerRecordKey("caller-1", "key-1");
      const handler = idempotentHandler<InMemoryWrite>(options, async (_event, context) => {
        // Meanwhile, a retry took the key over after this attempt's lease ran out.
        const current = store.get(pk) as InProgressRecord;
        store.put({ ...current, leaseToken: "the-new-owner" });
        return context.idempotency?.commit([{ apply: () => ledger.push(500) }], created({}));
      });

      const response = await handler(deposit(), lambdaContext());

      expect(response.statusCode).toBe(409);
      expect(ledger).toEqual([]);
      expect(store.get(pk)).toMatchObject({ status: "IN_PROGRESS", leaseToken: "the-new-owner" });
    });

    it("refuses to commit an answer too large to store, writing nothing and releasing the key", async () => {
      const { store, options } = setup();
      const ledger: number[] = [];
      const handler = idempotentHandler<InMemoryWrite>(
        { ...options, maxStoredAnswerBytes: 10 },
        async (_event, context) =>
          context.idempotency?.commit(
            [{ apply: () => ledger.push(500) }],
            created({ big: "x".repeat(100) }),
          ),
      );

      const response = await handler(deposit(), lambdaContext());

      expect(response.statusCode).toBe(500);
      expect(ledger).toEqual([]);
      expect(store.get(callerRecordKey("caller-1", "key-1"))).toBeUndefined();
    });
  });
});
