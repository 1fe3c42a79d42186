import { randomUUID } from "node:crypto";
import { DeleteTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { fingerprint } from "../../../functions/idempotency/http/request-fingerprint";
import { readRecord, seedRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ FUNCTION_TIMEOUT_SECONDS: "10" });
});
afterAll(async () => {
  await api.close();
  testClient().destroy();
});

const depositFingerprint = (accountId: string, body: object) =>
  fingerprint({
    method: "POST",
    route: "POST /accounts/{accountId}/deposits",
    pathParameters: { accountId },
    body: JSON.stringify(body),
  });

async function fundedAccount(caller: ApiCaller, balance = 0) {
  const accountId = await caller.openAccount("EUR", balance);
  return { accountId, path: `/accounts/${accountId}/deposits` };
}

describe("the idempotency contract over HTTP", () => {
  it("answers 400 idempotency-key-missing without a key; nothing runs, nothing is stored", async () => {
    const alice = api.caller();
    const { accountId, path } = await fundedAccount(alice);

    const answer = await alice.post(path, { amount: 100 }, { key: null });

    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/\/problems\/idempotency-key-missing$/);
    expect(await alice.balanceOf(accountId)).toBe(0);
  });

  it.each([
    ["empty", ""],
    ["256 characters long", "k".repeat(256)],
    ["holding a space", "a b"],
    ["two values", "a, b"],
    ["an unterminated quoted string", '"abc'],
  ])("answers 400 idempotency-key-invalid for a key %s; nothing runs", async (_, key) => {
    const alice = api.caller();
    const { accountId, path } = await fundedAccount(alice);

    const answer = await alice.post(path, { amount: 100 }, { key });

    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/\/problems\/idempotency-key-invalid$/);
    expect(await alice.balanceOf(accountId)).toBe(0);
    expect(await readRecord(callerRecordKey(alice.sub, key))).toBeUndefined();
  });

  it("treats a structured-field string and a bare key as the same key", async () => {
    const alice = api.caller();
    const { accountId, path } = await fundedAccount(alice);
    const key = randomUUID();

    const quoted = await alice.post(path, { amount: 100 }, { key: `"${key}"` });
    const bare = await alice.post(path, { amount: 100 }, { key });

    expect(quoted.status).toBe(201);
    expect(bare.headers.get("idempotent-replayed")).toBe("true");
    expect(await alice.balanceOf(accountId)).toBe(100);
  });

  it("replays status, body bytes, Content-Type, Location and ETag, marked as a replay", async () => {
    const alice = api.caller();
    const key = randomUUID();

    const first = await alice.post("/accounts", { currency: "EUR", name: "Main" }, { key });
    const again = await alice.post("/accounts", undefined, {
      key,
      rawBody: '{ "name": "Main",\n  "currency": "EUR" }',
    });

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    for (const header of ["content-type", "location", "etag"]) {
      expect(again.headers.get(header)).toBe(first.headers.get(header));
    }
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it.each([
    ["another body", (p: string) => ({ path: p, body: { amount: 101 } })],
    ["another route", () => ({ path: "/accounts", body: { currency: "EUR" } })],
  ])("answers 422 for the same key with %s and leaves the record untouched", async (_, other) => {
    const alice = api.caller();
    const { path } = await fundedAccount(alice);
    const key = randomUUID();
    await alice.post(path, { amount: 100 }, { key });
    const stored = await readRecord(callerRecordKey(alice.sub, key));

    const reused = other(path);
    const answer = await alice.post(reused.path, reused.body, { key });

    expect(answer.status).toBe(422);
    expect(answer.body.type).toMatch(/\/problems\/idempotency-key-reused$/);
    expect(await readRecord(callerRecordKey(alice.sub, key))).toEqual(stored);
  });

  it("answers 422 for the same key on another path parameter; the second account is untouched", async () => {
    const alice = api.caller();
    const first = await fundedAccount(alice);
    const second = await fundedAccount(alice);
    const key = randomUUID();

    await alice.post(first.path, { amount: 100 }, { key });
    const answer = await alice.post(second.path, { amount: 100 }, { key });

    expect(answer.status).toBe(422);
    expect(await alice.balanceOf(second.accountId)).toBe(0);
  });

  it("answers every concurrent duplicate with the one committed answer: one deposit, never 409", async () => {
    const alice = api.caller();
    const { accountId, path } = await fundedAccount(alice);
    const key = randomUUID();

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => alice.post(path, { amount: 100 }, { key })),
    );

    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    const replays = answers.filter(
      (answer) => answer.headers.get("idempotent-replayed") === "true",
    );
    expect(replays).toHaveLength(49);
    expect(await alice.balanceOf(accountId)).toBe(100);
    expect((await alice.entriesOf(accountId)).map((entry) => entry.amount)).toEqual([100]);
  });

  it("keeps callers apart: another caller's same key runs as its own first request", async () => {
    const alice = api.caller();
    const bob = api.caller();
    const key = randomUUID();
    const alicesAccount = await alice.post("/accounts", { currency: "EUR" }, { key });
    const alicesRecord = await readRecord(callerRecordKey(alice.sub, key));

    const bobsAccount = await bob.post("/accounts", { currency: "EUR" }, { key });

    expect(bobsAccount.status).toBe(201);
    expect(bobsAccount.headers.get("idempotent-replayed")).toBeNull();
    expect(bobsAccount.body.ownerId).toBe(bob.sub);
    expect(bobsAccount.body.id).not.toBe(alicesAccount.body.id);
    expect(await readRecord(callerRecordKey(alice.sub, key))).toEqual(alicesRecord);
  });

  it("runs a request as new once its record is past the retention, even if TTL has not deleted it", async () => {
    const alice = api.caller();
    const { accountId, path } = await fundedAccount(alice);
    const key = randomUUID();
    const longAgo = Date.now() - 2 * 86_400_000;
    await seedRecord({
      pk: callerRecordKey(alice.sub, key),
      status: "COMPLETED",
      fingerprint: depositFingerprint(accountId, { amount: 100 }),
      expiresAt: Math.floor(longAgo / 1000) + 86_400,
      createdAtMs: longAgo,
      completedAtMs: longAgo,
      answer: JSON.stringify({
        statusCode: 201,
        headers: {},
        body: '{"old":true}',
        isBase64Encoded: false,
      }),
    });

    const answer = await alice.post(path, { amount: 100 }, { key });

    expect(answer.status).toBe(201);
    expect(answer.headers.get("idempotent-replayed")).toBeNull();
    expect(await alice.balanceOf(accountId)).toBe(100);
  });

  it.each<[string, (caller: ApiCaller, path: string, key: string) => Promise<{ status: number }>]>([
    [
      "401 (no token)",
      (_c, path, key) =>
        fetch(`${api.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify({ amount: 100 }),
        }),
    ],
    ["400 (validation)", (c, path, key) => c.post(path, { amount: -1 }, { key })],
    [
      "400 (malformed JSON)",
      (c, path, key) => c.post(path, undefined, { key, rawBody: "{amount:" }),
    ],
    [
      "413 (body over 64 KiB)",
      (c, path, key) =>
        c.post(path, undefined, {
          key,
          rawBody: JSON.stringify({ amount: 100, pad: "x".repeat(70_000) }),
        }),
    ],
    [
      "415 (not JSON)",
      (c, path, key) =>
        c.post(path, undefined, {
          key,
          rawBody: "amount=100",
          headers: { "content-type": "text/plain" },
        }),
    ],
  ])(
    "does not store a request rejected with %s: the fixed request runs under the same key",
    async (_, reject) => {
      const alice = api.caller();
      const { accountId, path } = await fundedAccount(alice);
      const key = randomUUID();

      const rejected = await reject(alice, path, key);
      const storedAfterRejection = await readRecord(callerRecordKey(alice.sub, key));
      const fixed = await alice.post(path, { amount: 100 }, { key });

      expect(rejected.status).toBeGreaterThanOrEqual(400);
      expect(rejected.status).toBeLessThan(500);
      expect(storedAfterRejection).toBeUndefined();
      expect(fixed.status).toBe(201);
      expect(await alice.balanceOf(accountId)).toBe(100);
    },
  );

  it("stores and replays a handler's 404", async () => {
    const alice = api.caller();
    const key = randomUUID();
    const path = "/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/deposits";

    const first = await alice.post(path, { amount: 100 }, { key });
    const again = await alice.post(path, { amount: 100 }, { key });

    expect(first.status).toBe(404);
    const record = await readRecord(callerRecordKey(alice.sub, key));
    expect(record?.status).toBe("COMPLETED");
    expect(record?.status === "COMPLETED" && JSON.parse(record.answer)).toMatchObject({
      statusCode: 404,
    });
    expect(again.status).toBe(404);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("stores nothing for a handler failure (5xx): the retry runs at once", async () => {
    const alice = api.caller();
    const { accountId, path } = await fundedAccount(alice);
    const key = randomUUID();
    const accountItem = { pk: `ACCOUNT#${accountId}`, sk: "ACCOUNT" };
    const corrupt = { ...accountItem, kind: "account", id: accountId, balance: "not a number" };
    const { dataTable } = testEnvironment();
    await testClient().send(new PutItemCommand({ TableName: dataTable, Item: marshall(corrupt) }));

    const failed = await alice.post(path, { amount: 100 }, { key });
    const afterFailure = await readRecord(callerRecordKey(alice.sub, key));
    await testClient().send(
      new PutItemCommand({
        TableName: dataTable,
        Item: marshall({
          ...accountItem,
          kind: "account",
          id: accountId,
          ownerId: alice.sub,
          name: null,
          currency: "EUR",
          balance: 0,
          version: 1,
          createdAt: new Date().toISOString(),
        }),
      }),
    );
    const retried = await alice.post(path, { amount: 100 }, { key });

    expect(failed.status).toBe(500);
    expect(failed.body.type).toMatch(/\/problems\/internal-error$/);
    expect(failed.text).not.toContain("not a number");
    expect(afterFailure).toBeUndefined();
    expect(retried.status).toBe(201);
    expect(await alice.balanceOf(accountId)).toBe(100);
  });

  it("writes the record completed, with the deposit, and no lease: nothing was claimed before", async () => {
    const alice = api.caller();
    const { path } = await fundedAccount(alice);
    const key = randomUUID();

    const deposit = await alice.post(path, { amount: 100 }, { key });
    const record = await readRecord(callerRecordKey(alice.sub, key));

    expect(record).toMatchObject({ status: "COMPLETED" });
    expect(record).not.toHaveProperty("leaseToken");
    expect(record).not.toHaveProperty("leaseExpiresAtMs");
    expect(record?.status === "COMPLETED" && JSON.parse(record.answer).body).toBe(deposit.text);
  });

  it("ignores the header on GET, even a malformed one", async () => {
    const alice = api.caller();
    const { accountId } = await fundedAccount(alice);

    const answer = await alice.get(`/accounts/${accountId}`, {
      headers: { "idempotency-key": '"bad' },
    });

    expect(answer.status).toBe(200);
    expect(answer.headers.get("idempotent-replayed")).toBeNull();
  });

  it("answers 503 with Retry-After when the idempotency table cannot be reached; nothing runs", async () => {
    const table = `idempotency-to-lose-${randomUUID()}`;
    const environment = { ...process.env };
    // Handlers read their table names when loaded: load a second set.
    let isolated: TestApi | undefined;
    await jest.isolateModulesAsync(async () => {
      const { startTestApi: startIsolated } = await import("../../support/http-api");
      isolated = await startIsolated({ IDEMPOTENCY_TABLE_NAME: table });
    });
    if (!isolated) throw new Error("isolated API did not start");
    try {
      const alice = isolated.caller();
      const accountId = await alice.openAccount("EUR");
      await testClient().send(new DeleteTableCommand({ TableName: table }));

      const answer = await alice.post(`/accounts/${accountId}/deposits`, { amount: 100 });

      expect(answer.status).toBe(503);
      expect(answer.body.type).toMatch(/\/problems\/idempotency-store-unavailable$/);
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await alice.balanceOf(accountId)).toBe(0);
    } finally {
      await isolated.close();
      process.env = environment;
    }
  });
});
