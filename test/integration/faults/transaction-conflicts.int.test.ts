import { randomUUID } from "node:crypto";
import { accountKey } from "../../../functions/accounts/dynamodb-account-repository";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { MAX_PUT_CONFLICTS } from "../../../functions/idempotency/stores/dynamodb-store";
import { readRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import { type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";

/**
 * DynamoDB cancels a transaction (and fails a lone write) whose item another
 * transaction in flight holds; DynamoDB Local never does. The API runs here
 * against a proxy in front of Local that does, as DynamoDB does: injected on
 * one item for an exact branch, or emulated for real contention. Each test
 * checks the answer, the money, the ledger, the stored record and how many
 * transactions the API sent.
 */

jest.setTimeout(60_000);

/**
 * A short invocation: its rounds of a lost race end before it does. The
 * handlers are shared (one module registry); only the gateway's deadline differs.
 */
const SHORT_FUNCTION_TIMEOUT_SECONDS = "3";

/**
 * The store's conflict branches are reached through the direct write path,
 * which this file's API alone takes: with folding on (the default), a
 * deposit that lost its race queues instead of running again (that path's
 * conflicts: test/integration/movements/). Set before the handlers load:
 * they read their config once, and every API of a test file shares them.
 */
process.env.MOVEMENT_FOLDING = "off";

// The local API points DYNAMODB_ENDPOINT at the proxy, so this file's own
// reads (readRecord) pass through it too: counts of reads are taken before them.
let proxy: DynamoDbProxy;
let api: TestApi;
let shortApi: TestApi;
beforeAll(async () => {
  proxy = await startDynamoDbProxy(testEnvironment().endpoint);
  api = await startTestApi({ DYNAMODB_ENDPOINT: proxy.url, FUNCTION_TIMEOUT_SECONDS: "10" });
  shortApi = await startTestApi({
    DYNAMODB_ENDPOINT: proxy.url,
    FUNCTION_TIMEOUT_SECONDS: SHORT_FUNCTION_TIMEOUT_SECONDS,
  });
});
afterAll(async () => {
  await shortApi?.close();
  await api?.close();
  await proxy?.close();
  testClient().destroy();
});

/** A caller with an account holding 1,000 and a deposit of 250 under a fresh key. */
async function depositWorld(on: TestApi = api) {
  const alice = on.caller();
  const accountId = await alice.openAccount("EUR", 1_000);
  const key = randomUUID();
  const pk = callerRecordKey(alice.sub, key);
  return {
    alice,
    accountId,
    key,
    pk,
    record: { table: testEnvironment().idempotencyTable, key: { pk } },
    account: { table: testEnvironment().dataTable, key: accountKey(accountId) },
    deposit: (caller: ApiCaller = alice) =>
      caller.post(`/accounts/${accountId}/deposits`, { amount: 250 }, { key }),
  };
}

/** The answer stored in the record of `pk`, as the client got it. */
async function storedAnswerOf(pk: string) {
  const record = await readRecord(pk);
  if (record?.status !== "COMPLETED") return undefined;
  const stored = JSON.parse(record.answer) as { statusCode: number; body: string };
  return { status: stored.statusCode, body: stored.body };
}

describe("a deposit's commit meets a concurrent transaction", () => {
  it("answers the duplicate whose commit met the winner's transaction on the record with the winner's answer", async () => {
    const world = await depositWorld();
    const first = await world.deposit();
    const conflict = proxy.injectTransactionConflict(world.record);

    const duplicate = await world.deposit();

    expect(first.status).toBe(201);
    expect(duplicate.status).toBe(201);
    expect(duplicate.headers.get("idempotent-replayed")).toBe("true");
    expect(duplicate.text).toBe(first.text);
    expect(conflict.refused()).toBe(1);
    // The winner's transaction and the duplicate's cancelled one; one read of the record.
    expect(proxy.attempts("TransactWriteItems", world.record)).toBe(2);
    expect(proxy.attempts("GetItem", world.record)).toBe(1);
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_250);
    expect((await world.alice.entriesOf(world.accountId)).map((entry) => entry.amount)).toEqual([
      1_000, 250,
    ]);
    expect(await storedAnswerOf(world.pk)).toEqual({ status: 201, body: first.text });
  });

  it("runs the deposit again when the transaction it met on the record did not commit", async () => {
    const world = await depositWorld();
    const conflict = proxy.injectTransactionConflict(world.record);

    const answer = await world.deposit();

    expect(answer.status).toBe(201);
    expect(answer.headers.get("idempotent-replayed")).toBeNull();
    expect(conflict.refused()).toBe(1);
    // Cancelled, read (no live record), run again, committed.
    expect(proxy.attempts("TransactWriteItems", world.record)).toBe(2);
    expect(proxy.attempts("GetItem", world.record)).toBe(1);
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_250);
    expect((await world.alice.entriesOf(world.accountId)).map((entry) => entry.amount)).toEqual([
      1_000, 250,
    ]);
    expect(await storedAnswerOf(world.pk)).toEqual({ status: 201, body: answer.text });
  });

  it("runs the deposit again when it lost its race on the account to a concurrent transaction", async () => {
    const world = await depositWorld();
    const accountTransactionsBefore = proxy.attempts("TransactWriteItems", world.account);
    const conflict = proxy.injectTransactionConflict(world.account);

    const answer = await world.deposit();

    expect(answer.status).toBe(201);
    expect(answer.headers.get("idempotent-replayed")).toBeNull();
    expect(conflict.refused()).toBe(1);
    expect(proxy.attempts("TransactWriteItems", world.account) - accountTransactionsBefore).toBe(2);
    expect(proxy.attempts("TransactWriteItems", world.record)).toBe(2);
    // The record's item met nothing: the store did not read it.
    expect(proxy.attempts("GetItem", world.record)).toBe(0);
    expect(answer.body).toMatchObject({ amount: 250, balance: 1_250 });
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_250);
    expect((await world.alice.entriesOf(world.accountId)).map((entry) => entry.amount)).toEqual([
      1_000, 250,
    ]);
    expect(await storedAnswerOf(world.pk)).toEqual({ status: 201, body: answer.text });
  });

  it("answers 503 with Retry-After when the account stays held past the invocation's time; nothing is written, and the retry runs", async () => {
    const world = await depositWorld(shortApi);
    const accountTransactionsBefore = proxy.attempts("TransactWriteItems", world.account);
    const conflict = proxy.injectTransactionConflict(world.account, { times: 1_000 });

    const answer = await world.deposit();
    conflict.disarm();
    const refused = conflict.refused();
    const recordAfter503 = await readRecord(world.pk);
    const balanceAfter503 = await world.alice.balanceOf(world.accountId);
    const retry = await world.deposit();

    expect(answer.status).toBe(503);
    expect(answer.body.type).toMatch(/\/problems\/service-unavailable$/);
    expect(answer.headers.get("retry-after")).toBe("1");
    // Round after round while the invocation had time, every one cancelled.
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(
      proxy.attempts("TransactWriteItems", world.account) - accountTransactionsBefore - 1,
    ).toBe(refused);
    expect(recordAfter503).toBeUndefined();
    expect(balanceAfter503).toBe(1_000);
    // The 503 was not stored: the retry runs, once.
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_250);
    expect((await world.alice.entriesOf(world.accountId)).map((entry) => entry.amount)).toEqual([
      1_000, 250,
    ]);
  });
});

describe("a refusal's lone put meets a concurrent transaction", () => {
  /** A deposit into an account that is not the caller's: a 404 stored without business writes. */
  async function refusedDepositWorld() {
    const world = await depositWorld();
    const mallory = api.caller();
    const pk = callerRecordKey(mallory.sub, world.key);
    return {
      ...world,
      pk,
      record: { table: testEnvironment().idempotencyTable, key: { pk } },
      refusedDeposit: () => world.deposit(mallory),
    };
  }

  it("answers the duplicate with the winner's stored refusal", async () => {
    const world = await refusedDepositWorld();
    const first = await world.refusedDeposit();
    const conflict = proxy.injectTransactionConflict(world.record);

    const duplicate = await world.refusedDeposit();

    expect(first.status).toBe(404);
    expect(duplicate.status).toBe(404);
    expect(duplicate.headers.get("idempotent-replayed")).toBe("true");
    expect(duplicate.text).toBe(first.text);
    expect(conflict.refused()).toBe(1);
    expect(proxy.attempts("PutItem", world.record)).toBe(2);
    expect(proxy.attempts("GetItem", world.record)).toBe(1);
    expect(await storedAnswerOf(world.pk)).toEqual({ status: 404, body: first.text });
  });

  it(`answers 503 with Retry-After past ${MAX_PUT_CONFLICTS} re-read conflicts; nothing is stored, and the retry stores its answer`, async () => {
    const world = await refusedDepositWorld();
    const conflict = proxy.injectTransactionConflict(world.record, {
      times: MAX_PUT_CONFLICTS + 1,
    });

    const answer = await world.refusedDeposit();
    const putsBy503 = proxy.attempts("PutItem", world.record);
    const readsBy503 = proxy.attempts("GetItem", world.record);
    const recordAfter503 = await readRecord(world.pk);
    const retry = await world.refusedDeposit();

    expect(answer.status).toBe(503);
    expect(answer.body.type).toMatch(/\/problems\/idempotency-store-unavailable$/);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(conflict.refused()).toBe(MAX_PUT_CONFLICTS + 1);
    expect(recordAfter503).toBeUndefined();
    expect(retry.status).toBe(404);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    // Every put refused, each but the last followed by a read; then the retry's one put.
    expect(putsBy503).toBe(MAX_PUT_CONFLICTS + 1);
    expect(readsBy503).toBe(MAX_PUT_CONFLICTS);
    expect(proxy.attempts("PutItem", world.record)).toBe(MAX_PUT_CONFLICTS + 2);
    expect(await storedAnswerOf(world.pk)).toEqual({ status: 404, body: retry.text });
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_000);
  });
});

describe("deposits in flight together, under DynamoDB's conflict rule", () => {
  it("lets eight duplicates of one deposit run it once; every one answers the winner's answer", async () => {
    const world = await depositWorld();
    const emulation = proxy.emulateTransactionConflicts({ holdMs: 200 });

    const answers = await Promise.all(Array.from({ length: 8 }, () => world.deposit())).finally(
      () => emulation.disarm(),
    );

    expect(emulation.refused()).toBeGreaterThan(0);
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    const executed = answers.filter((answer) => answer.headers.get("idempotent-replayed") === null);
    expect(executed).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_250);
    expect((await world.alice.entriesOf(world.accountId)).map((entry) => entry.amount)).toEqual([
      1_000, 250,
    ]);
    expect(await storedAnswerOf(world.pk)).toEqual({ status: 201, body: executed[0]?.text });
  });

  it("lets eight different deposits on one account all commit, each once, the money exact", async () => {
    const world = await depositWorld();
    const emulation = proxy.emulateTransactionConflicts({ holdMs: 100 });

    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        world.alice.post(`/accounts/${world.accountId}/deposits`, { amount: index + 1 }),
      ),
    ).finally(() => emulation.disarm());

    expect(emulation.refused()).toBeGreaterThan(0);
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_000 + 36);
    const amounts = (await world.alice.entriesOf(world.accountId)).map((entry) => entry.amount);
    expect(amounts.slice(1).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(amounts[0]).toBe(1_000);
  });
});
