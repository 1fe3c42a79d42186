import { randomUUID } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import {
  BusinessWriteRejectedError,
  DynamoDbIdempotencyStore,
} from "../../../functions/idempotency";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { createDynamoDbClient } from "../../../functions/shared/aws/dynamodb-client";
import { HttpProblem } from "../../../functions/shared/http/problem-details";
import {
  counterIncrement,
  counterValue,
  dynamoDbStore,
  markerWrite,
  markerWritten,
  readRecord,
  seedRecord,
  testClient,
} from "../../support/dynamodb";
import { created, idempotentHandler } from "../../support/idempotent-handler";
import { deferred, lambdaContext, restApiEvent } from "../../support/lambda-fixtures";
import { manualClock } from "../../support/manual-clock";

afterAll(() => testClient().destroy());

/** A fresh key and body per test: DynamoDB Local is shared by the whole tier. */
function request(body: object = { amount: 500 }) {
  const key = randomUUID();
  const event = (overrides: { body?: object; sub?: string } = {}) =>
    restApiEvent({
      method: "POST",
      route: "/accounts/{accountId}/deposits",
      path: "/accounts/acc-1/deposits",
      pathParameters: { accountId: "acc-1" },
      body: JSON.stringify(overrides.body ?? body),
      idempotencyKey: key,
      ...(overrides.sub ? { sub: overrides.sub } : {}),
    });
  return { key, pk: callerRecordKey("caller-1", key), event };
}

/**
 * A handler that commits one counted effect together with its answer, after
 * `hold` (when given) lets it: the test decides how long it is in flight.
 */
function countingHandler(
  counterId: string,
  options: { now?: () => number; hold?: { started: () => void; release: Promise<void> } } = {},
) {
  return idempotentHandler<TransactWriteItem>(
    { store: dynamoDbStore(), strategy: "lease", ...(options.now ? { now: options.now } : {}) },
    async (_e, context) => {
      if (options.hold) {
        options.hold.started();
        await options.hold.release;
      }
      return context.idempotency?.commit([counterIncrement(counterId)], created({ counterId }));
    },
  );
}

describe("idempotency middleware, lease strategy, on DynamoDB Local", () => {
  it("runs 50 concurrent identical requests exactly once: 49 get 409 while it runs, a later one the replay", async () => {
    const counterId = randomUUID();
    const started = deferred();
    const release = deferred();
    const handler = countingHandler(counterId, {
      hold: { started: started.resolve, release: release.promise },
    });
    const { event } = request();
    // The one that claimed the key is held in its body until the 49 others have answered.
    const othersAnswered = deferred();
    let answered = 0;
    const responses = Array.from({ length: 50 }, () =>
      handler(event(), lambdaContext()).then((response) => {
        answered += 1;
        if (answered === 49) othersAnswered.resolve();
        return response;
      }),
    );

    await started.promise;
    await othersAnswered.promise;
    const executionsWhileHeld = handler.executions();
    release.resolve();
    const all = await Promise.all(responses);
    const later = await handler(event(), lambdaContext());

    const executed = all.filter(
      (response) => response.statusCode === 201 && !response.headers["idempotent-replayed"],
    );
    const inProgress = all.filter((response) => response.statusCode === 409);
    expect(executionsWhileHeld).toBe(1);
    expect(handler.executions()).toBe(1);
    expect(await counterValue(counterId)).toBe(1);
    expect(executed).toHaveLength(1);
    expect(inProgress).toHaveLength(49);
    for (const conflict of inProgress) {
      expect(JSON.parse(conflict.body).type).toMatch(/\/problems\/idempotency-key-in-progress$/);
      expect(Number(conflict.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    }
    expect(later.statusCode).toBe(201);
    expect(later.headers["idempotent-replayed"]).toBe("true");
    expect(later.body).toBe(executed[0]?.body);
  });

  it("refuses the same key with another body (422) and leaves the original record intact", async () => {
    const handler = countingHandler(randomUUID());
    const { pk, event } = request({ amount: 500 });
    await handler(event(), lambdaContext());
    const original = await readRecord(pk);

    const reused = await handler(event({ body: { amount: 999 } }), lambdaContext());

    expect(reused.statusCode).toBe(422);
    expect(JSON.parse(reused.body).type).toMatch(/\/problems\/idempotency-key-reused$/);
    expect(original?.status).toBe("COMPLETED");
    expect(await readRecord(pk)).toEqual(original);
    expect(handler.executions()).toBe(1);
  });

  it("blocks retries of a crashed attempt until its lease ends, then lets a retry take over", async () => {
    const counterId = randomUUID();
    const { pk, event } = request();
    // Leases end when the test moves this clock, not after wall-clock time.
    const clock = manualClock();
    const claimedAtMs = clock.now();
    // The first attempt claims and then hangs forever, as a killed process would.
    const hung = deferred();
    const crashed = idempotentHandler(
      { store: dynamoDbStore(), strategy: "lease", leaseMarginMs: 100, now: clock.now },
      () => {
        hung.resolve();
        return new Promise(() => undefined);
      },
    );
    void crashed(event(), lambdaContext(400, clock.now));
    await hung.promise;
    const claim = await readRecord(pk);
    const retry = countingHandler(counterId, { now: clock.now });

    const duringLease = await retry(event(), lambdaContext(10_000, clock.now));
    clock.set(claimedAtMs + 400 + 100);
    const atLeaseEnd = await retry(event(), lambdaContext(10_000, clock.now));
    clock.advance(1);
    const afterLease = await retry(event(), lambdaContext(10_000, clock.now));

    // The lease: the invocation's remaining time plus the margin.
    expect(claim?.status === "IN_PROGRESS" && claim.leaseExpiresAtMs).toBe(claimedAtMs + 500);
    expect(duringLease.statusCode).toBe(409);
    expect(atLeaseEnd.statusCode).toBe(409);
    expect(afterLease.statusCode).toBe(201);
    expect(afterLease.headers["idempotent-replayed"]).toBeUndefined();
    expect(retry.executions()).toBe(1);
    expect(await counterValue(counterId)).toBe(1);
    expect((await readRecord(pk))?.status).toBe("COMPLETED");
  });

  it("fences a zombie: once its lease is taken over it can neither commit nor release", async () => {
    const { key, pk, event } = request();
    const clock = manualClock();
    const zombieClaimed = deferred();
    const zombieMayGoOn = deferred();
    const zombieEffect = `zombie-${key}`;
    const zombie = idempotentHandler<TransactWriteItem>(
      { store: dynamoDbStore(), strategy: "lease", leaseMarginMs: 0, now: clock.now },
      async (_event, context) => {
        zombieClaimed.resolve();
        await zombieMayGoOn.promise;
        return context.idempotency?.commit([markerWrite(zombieEffect)], created({ by: "zombie" }));
      },
    );
    const zombieResponse = zombie(event(), lambdaContext(200, clock.now));
    await zombieClaimed.promise;
    // Its invocation timed out and its lease ran out: it lives on as a zombie.
    clock.advance(201);
    const successor = countingHandler(randomUUID(), { now: clock.now });
    const successorResponse = await successor(event(), lambdaContext(10_000, clock.now));
    const successorRecord = await readRecord(pk);

    zombieMayGoOn.resolve();
    const zombieAnswer = await zombieResponse;

    expect(successorResponse.statusCode).toBe(201);
    expect(successorResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(zombieAnswer.statusCode).toBe(409);
    expect(await markerWritten(zombieEffect)).toBe(false);
    expect(await readRecord(pk)).toEqual(successorRecord);
    expect(successorRecord?.status).toBe("COMPLETED");
  });

  it("does not let a failing zombie release the successor's claim", async () => {
    const { pk, event } = request();
    const clock = manualClock();
    const zombieClaimed = deferred();
    const zombieMayFail = deferred();
    const zombie = idempotentHandler(
      { store: dynamoDbStore(), strategy: "lease", leaseMarginMs: 0, now: clock.now },
      async () => {
        zombieClaimed.resolve();
        await zombieMayFail.promise;
        throw new Error("zombie crashed late");
      },
    );
    const zombieResponse = zombie(event(), lambdaContext(200, clock.now));
    await zombieClaimed.promise;
    const zombieClaim = await readRecord(pk);
    clock.advance(201);
    const successorClaimed = deferred();
    const successorMayFinish = deferred();
    const successor = idempotentHandler(
      { store: dynamoDbStore(), strategy: "lease", now: clock.now },
      async () => {
        successorClaimed.resolve();
        await successorMayFinish.promise;
        return created({ by: "successor" });
      },
    );
    const successorResponse = successor(event(), lambdaContext(10_000, clock.now));
    await successorClaimed.promise;
    const successorClaim = await readRecord(pk);

    zombieMayFail.resolve();
    expect((await zombieResponse).statusCode).toBe(500);
    const afterZombie = await readRecord(pk);
    successorMayFinish.resolve();

    expect(zombieClaim?.status).toBe("IN_PROGRESS");
    expect(successorClaim?.status).toBe("IN_PROGRESS");
    expect(successorClaim?.leaseToken).not.toBe(zombieClaim?.leaseToken);
    expect(afterZombie).toEqual(successorClaim);
    expect((await successorResponse).statusCode).toBe(201);
  });

  it("runs again a request whose record is past the retention, even before TTL deletes it", async () => {
    const counterId = randomUUID();
    const handler = countingHandler(counterId);
    const { pk, event } = request();
    const nowSeconds = Math.floor(Date.now() / 1000);
    await seedRecord({
      pk,
      status: "COMPLETED",
      fingerprint: "an-old-request",
      leaseToken: "old",
      leaseExpiresAtMs: (nowSeconds - 90_000) * 1000,
      expiresAt: nowSeconds - 10,
      createdAtMs: (nowSeconds - 90_000) * 1000,
      completedAtMs: (nowSeconds - 90_000) * 1000,
      answer: JSON.stringify({
        statusCode: 201,
        headers: {},
        body: "old answer",
        isBase64Encoded: false,
      }),
    });

    const response = await handler(event(), lambdaContext());

    expect(response.statusCode).toBe(201);
    expect(response.body).not.toBe("old answer");
    expect(await counterValue(counterId)).toBe(1);
    expect((await readRecord(pk))?.expiresAt).toBeGreaterThan(nowSeconds + 80_000);
  });

  describe("the exactly-once path", () => {
    it("leaves no business write and no completion when the transaction is refused", async () => {
      const { key, pk, event } = request();
      const handler = idempotentHandler<TransactWriteItem>(
        { store: dynamoDbStore(), strategy: "lease" },
        async (_event, context) =>
          context.idempotency?.commit(
            [markerWrite(`kept-${key}`), markerWrite(`refused-${key}`, { rejected: true })],
            created({}),
          ),
      );

      const response = await handler(event(), lambdaContext());

      expect(response.statusCode).toBe(500);
      expect(await markerWritten(`kept-${key}`)).toBe(false);
      expect(await readRecord(pk)).toBeUndefined();
    });

    it("stores the business answer of a refused transaction, with no business write", async () => {
      const { key, pk, event } = request();
      const handler = idempotentHandler<TransactWriteItem>(
        { store: dynamoDbStore(), strategy: "lease" },
        async (_event, context) => {
          try {
            return await context.idempotency?.commit(
              [markerWrite(`debit-${key}`, { rejected: true })],
              created({}),
            );
          } catch (error) {
            if (!(error instanceof BusinessWriteRejectedError)) throw error;
            throw new HttpProblem(
              409,
              "insufficient-funds",
              "Insufficient funds",
              "Balance too low.",
            );
          }
        },
      );

      const first = await handler(event(), lambdaContext());
      const replay = await handler(event(), lambdaContext());

      expect(first.statusCode).toBe(409);
      expect(replay.statusCode).toBe(409);
      expect(replay.headers["idempotent-replayed"]).toBe("true");
      expect(await markerWritten(`debit-${key}`)).toBe(false);
      const record = await readRecord(pk);
      expect(record?.status === "COMPLETED" && JSON.parse(record.answer)).toMatchObject({
        statusCode: 409,
      });
      expect(handler.executions()).toBe(1);
    });
  });

  describe("when the idempotency table cannot be reached", () => {
    it.each([
      ["a table that does not exist", () => ({ endpoint: undefined, table: "no-such-table" })],
      [
        "an endpoint that refuses connections",
        () => ({ endpoint: "http://127.0.0.1:9", table: "x" }),
      ],
    ])("answers 503 with Retry-After for %s and runs nothing", async (_, target) => {
      const { endpoint, table } = target();
      const client = endpoint ? createDynamoDbClient({ endpoint, maxAttempts: 1 }) : testClient();
      const handler = idempotentHandler(
        { store: new DynamoDbIdempotencyStore({ client, tableName: table }), strategy: "lease" },
        async () => created({}),
      );

      const response = await handler(request().event(), lambdaContext());

      expect(response.statusCode).toBe(503);
      expect(JSON.parse(response.body).type).toMatch(/\/problems\/idempotency-store-unavailable$/);
      expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(handler.executions()).toBe(0);
      if (endpoint) client.destroy();
    });
  });
});
