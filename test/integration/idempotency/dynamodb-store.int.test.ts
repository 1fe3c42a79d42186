import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { DynamoDbIdempotencyStore, IdempotencyStoreError } from "../../../functions/idempotency";
import { dynamoDbStoreHarness, testClient, testEnvironment } from "../../support/dynamodb";
import { describeStoreContract } from "../../support/store-contract";

afterAll(() => testClient().destroy());

describeStoreContract<TransactWriteItem>(
  "DynamoDbIdempotencyStore on DynamoDB Local",
  dynamoDbStoreHarness,
);

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
