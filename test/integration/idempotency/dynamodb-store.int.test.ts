import type { DynamoDBClient, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import {
  DynamoDbIdempotencyStore,
  IdempotencyStoreError,
  IdempotencyStoreUnavailableError,
} from "../../../functions/idempotency";
import { MAX_PUT_CONFLICTS } from "../../../functions/idempotency/stores/dynamodb-store";
import { createDynamoDbClient } from "../../../functions/shared/aws/dynamodb-client";
import {
  dynamoDbStoreHarness,
  dynamoDbStoreHarnessThrough,
  markerWrite,
  markerWritten,
  readRecord,
  testClient,
  testEnvironment,
} from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import { describeStoreContract } from "../../support/store-contract";
import { until } from "../../support/within";

// The store talks to DynamoDB Local through a proxy that answers what
// DynamoDB answers and Local never does: transaction conflicts, throttling.
let proxy: DynamoDbProxy;
let proxiedClient: DynamoDBClient;
beforeAll(async () => {
  proxy = await startDynamoDbProxy(testEnvironment().endpoint);
  proxiedClient = createDynamoDbClient({ endpoint: proxy.url });
});
afterAll(async () => {
  proxiedClient.destroy();
  testClient().destroy();
  await proxy.close();
});
const proxiedHarness = () => dynamoDbStoreHarnessThrough(proxy, proxiedClient);

describeStoreContract<TransactWriteItem>(
  "DynamoDbIdempotencyStore on DynamoDB Local",
  proxiedHarness,
);

describe("DynamoDbIdempotencyStore: a lone put's budget of transaction conflicts", () => {
  const nowMs = Date.UTC(2100, 0, 1);
  const record = (pk: string) => ({
    pk,
    status: "COMPLETED" as const,
    fingerprint: "fingerprint-a",
    answer: "an answer",
    expiresAt: nowMs / 1000 + 3600,
    createdAtMs: nowMs,
    completedAtMs: nowMs,
  });
  const recordItem = (pk: string) => ({ table: testEnvironment().idempotencyTable, key: { pk } });

  it(`puts the record when conflicts stop within the budget (${MAX_PUT_CONFLICTS} re-reads)`, async () => {
    const pk = `conflict-budget-${Date.now()}-within#key`;
    proxy.injectTransactionConflict(recordItem(pk), { times: MAX_PUT_CONFLICTS });

    const result = await proxiedHarness().store.commit(record(pk), nowMs);

    expect(result).toEqual({ committed: true });
    expect(await readRecord(pk)).toEqual(record(pk));
    expect(proxy.attempts("PutItem", recordItem(pk))).toBe(MAX_PUT_CONFLICTS + 1);
    expect(proxy.attempts("GetItem", recordItem(pk))).toBe(MAX_PUT_CONFLICTS);
  });

  it("answers 503 with Retry-After past the budget, and writes nothing", async () => {
    const pk = `conflict-budget-${Date.now()}-past#key`;
    proxy.injectTransactionConflict(recordItem(pk), { times: MAX_PUT_CONFLICTS + 1 });

    const failure = await proxiedHarness()
      .store.commit(record(pk), nowMs)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(IdempotencyStoreUnavailableError);
    expect(failure).toMatchObject({
      statusCode: 503,
      slug: "idempotency-store-unavailable",
      headers: { "retry-after": "1" },
    });
    expect((failure as Error).cause).toMatchObject({
      name: "TransactionConflictException",
      message: "Transaction is ongoing for the item",
    });
    expect(await readRecord(pk)).toBeUndefined();
    expect(proxy.attempts("PutItem", recordItem(pk))).toBe(MAX_PUT_CONFLICTS + 1);
    expect(proxy.attempts("GetItem", recordItem(pk))).toBe(MAX_PUT_CONFLICTS);
  });
});

describe("DynamoDbIdempotencyStore under emulated conflicts", () => {
  it("fails a lone put whose record a transaction in flight holds, then that transaction commits", async () => {
    const pk = `emulated-${Date.now()}#key`;
    const nowMs = Date.UTC(2100, 0, 1);
    const record = (answer: string) => ({
      pk,
      status: "COMPLETED" as const,
      fingerprint: "fingerprint-a",
      answer,
      expiresAt: nowMs / 1000 + 3600,
      createdAtMs: nowMs,
      completedAtMs: nowMs,
    });
    const recordItem = { table: testEnvironment().idempotencyTable, key: { pk } };
    const { store } = proxiedHarness();
    // Long enough for the lone put's four tries to fall inside it.
    const emulation = proxy.emulateTransactionConflicts({ holdMs: 1_000 });

    const transaction = store.commit(record("in a transaction"), nowMs, [markerWrite(pk)]);
    await until(
      () => proxy.attempts("TransactWriteItems", recordItem) === 1,
      5_000,
      "the transaction reaching the proxy",
    );
    const lone = await store.commit(record("alone"), nowMs).catch((error: unknown) => error);
    const transactionResult = await transaction.finally(() => emulation.disarm());

    expect(lone).toBeInstanceOf(IdempotencyStoreUnavailableError);
    expect((lone as Error).cause).toMatchObject({ name: "TransactionConflictException" });
    expect(emulation.refused()).toBe(MAX_PUT_CONFLICTS + 1);
    expect(transactionResult).toEqual({ committed: true });
    expect(await readRecord(pk)).toEqual(record("in a transaction"));
    expect(await markerWritten(pk)).toBe(true);
  });
});

describe("DynamoDbIdempotencyStore: a throttled data table", () => {
  it("surfaces to the caller as a retryable 503 once the SDK's attempts are spent, nothing written", async () => {
    const pk = `throttled-${Date.now()}#key`;
    const nowMs = Date.UTC(2100, 0, 1);
    const throttling = proxy.throttle(testEnvironment().dataTable);

    const failure = await proxiedHarness()
      .store.commit(
        {
          pk,
          status: "COMPLETED",
          fingerprint: "fingerprint-a",
          answer: "an answer",
          expiresAt: nowMs / 1000 + 3600,
          createdAtMs: nowMs,
          completedAtMs: nowMs,
        },
        nowMs,
        [markerWrite(pk)],
      )
      .catch((error: unknown) => error)
      .finally(() => throttling.disarm());

    expect(failure).toMatchObject({ statusCode: 503, slug: "idempotency-store-unavailable" });
    expect((failure as Error).cause).toMatchObject({
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400, attempts: 3 },
    });
    // Every attempt of the SDK (createDynamoDbClient's 3) met the throttling.
    expect(throttling.refused()).toBe(3);
    expect(await readRecord(pk)).toBeUndefined();
    expect(await markerWritten(pk)).toBe(false);
  });
});

describe("DynamoDbIdempotencyStore: errors that retrying cannot cure", () => {
  const record = (pk: string) => ({
    pk,
    status: "IN_PROGRESS" as const,
    fingerprint: "fingerprint-a",
    leaseToken: "lease-a",
    leaseExpiresAtMs: Date.UTC(2100, 0, 1) + 10_000,
    expiresAt: Date.UTC(2100, 0, 1) / 1000 + 3600,
    createdAtMs: Date.UTC(2100, 0, 1),
  });
  const nowMs = Date.UTC(2100, 0, 1);

  it("answers a key DynamoDB refuses as invalid (over 2,048 bytes) with a 500, not a retryable 503", async () => {
    const store = dynamoDbStoreHarness().store;

    const failure = await store.claim(record("é".repeat(1100)), nowMs).catch((error) => error);

    expect(failure).toBeInstanceOf(IdempotencyStoreError);
    expect(failure).toMatchObject({ statusCode: 500, expose: false, slug: "internal-error" });
    expect((failure as Error).cause).toMatchObject({ name: "ValidationException" });
  });

  it("answers a table of another key schema (a misconfiguration) with a 500, not a retryable 503", async () => {
    const store = new DynamoDbIdempotencyStore({
      client: testClient(),
      tableName: testEnvironment().dataTable,
    });

    const failure = await store.claim(record("wrong-table#key"), nowMs).catch((error) => error);

    expect(failure).toBeInstanceOf(IdempotencyStoreError);
    expect((failure as Error).cause).toMatchObject({ name: "ValidationException" });
  });

  it("answers a missing table with a retryable 503: it may be being created or restored", async () => {
    const store = new DynamoDbIdempotencyStore({
      client: testClient(),
      tableName: "no-such-table",
    });

    const failure = await store.claim(record("missing-table#key"), nowMs).catch((error) => error);

    expect(failure).toMatchObject({ statusCode: 503, slug: "idempotency-store-unavailable" });
  });
});

describe("DynamoDbIdempotencyStore: a takeover that meets a release", () => {
  it("asks for a retry (409 in progress), never a 500, when the record it would take over is released in between", async () => {
    const { idempotencyTable } = testEnvironment();
    const nowMs = Date.UTC(2100, 0, 1);
    const pk = `takeover-race-${Date.now()}#key`;
    const stale = {
      pk,
      status: "IN_PROGRESS" as const,
      fingerprint: "fingerprint-a",
      leaseToken: "old-lease",
      leaseExpiresAtMs: nowMs - 1,
      expiresAt: nowMs / 1000 + 3600,
      createdAtMs: nowMs - 10_000,
    };
    const client = createDynamoDbClient({ endpoint: testEnvironment().endpoint });
    // The old holder releases its record just before the takeover's update is sent.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "UpdateItemCommand") {
          await new DynamoDbIdempotencyStore({
            client: testClient(),
            tableName: idempotencyTable,
          }).release({ pk, leaseToken: "old-lease" });
        }
        return next(args);
      },
      { step: "initialize", name: "releaseBeforeTakeover" },
    );
    await dynamoDbStoreHarness().seed(stale);
    const store = new DynamoDbIdempotencyStore({ client, tableName: idempotencyTable });

    const claiming = store.claim(
      { ...stale, leaseToken: "new-lease", leaseExpiresAtMs: nowMs + 60_000 },
      nowMs,
    );

    await expect(claiming).rejects.toMatchObject({
      statusCode: 409,
      slug: "idempotency-key-in-progress",
    });
    expect(await readRecord(pk)).toBeUndefined();
    client.destroy();
  });
});
