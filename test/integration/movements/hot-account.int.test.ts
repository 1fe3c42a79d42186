import { randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { accountKey } from "../../../functions/accounts/dynamodb-account-repository";
import { testClient, testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import {
  type ApiCaller,
  type LedgerEntry,
  startTestApi,
  type TestApi,
} from "../../support/http-api";

/**
 * Contention under DynamoDB's own rule (a transaction that meets another in
 * flight on one of its items is cancelled), which DynamoDB Local does not
 * apply: the API reaches Local through a proxy that does. What the issue asks
 * of a hot account and of crossing transfers, asserted on the answers, the
 * money, the ledgers and the transactions sent.
 */

jest.setTimeout(120_000);

// The reconciler folds queued movements older than this: at once, here.
// Set before the handlers load (they read their config once).
process.env.RECONCILE_AFTER_SECONDS = "0";

let proxy: DynamoDbProxy;
let api: TestApi;
/** The function timeout under which crossing transfers used to answer 503. */
let shortApi: TestApi;
beforeAll(async () => {
  proxy = await startDynamoDbProxy(testEnvironment().endpoint);
  api = await startTestApi({ DYNAMODB_ENDPOINT: proxy.url, FUNCTION_TIMEOUT_SECONDS: "10" });
  shortApi = await startTestApi({ DYNAMODB_ENDPOINT: proxy.url, FUNCTION_TIMEOUT_SECONDS: "3" });
});
afterAll(async () => {
  await shortApi?.close();
  await api?.close();
  await proxy?.close();
  testClient().destroy();
});

/** Every entry's balanceAfter is the running sum of the entries before it, in list order. */
function expectRunningSums(entries: readonly LedgerEntry[]) {
  let running = 0;
  for (const entry of entries) {
    running += entry.amount;
    expect(entry.balanceAfter).toBe(running);
  }
}

/** Movements still waiting in an account's queue. */
async function queued(accountId: string): Promise<number> {
  const { Count = 0 } = await testClient().send(
    new QueryCommand({
      TableName: testEnvironment().dataTable,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `QUEUE#${accountId}` } },
      ConsistentRead: true,
    }),
  );
  return Count;
}

describe("a hot account: many writers depositing into one account at once", () => {
  it("commits all 48 deposits of a burst on a hot account, each once, at most 1.5 transactions each, the ledger a running sum", async () => {
    const merchant = api.caller(`merchant-${randomUUID()}`);
    const accountId = await merchant.openAccount("EUR");
    const account = { table: testEnvironment().dataTable, key: accountKey(accountId) };
    const emulation = proxy.emulateTransactionConflicts();
    const deposit = (amount: number) =>
      merchant.post(`/accounts/${accountId}/deposits`, { amount });
    // A first burst heats the account: its writers first try directly, and most lose.
    const warmup = await Promise.all(Array.from({ length: 16 }, () => deposit(1_000)));
    const transactionsBefore = proxy.attempts("TransactWriteItems");
    const accountTransactionsBefore = proxy.attempts("TransactWriteItems", account);

    const answers = await Promise.all(
      Array.from({ length: 48 }, (_, index) => deposit(index + 1)),
    ).finally(() => emulation.disarm());

    expect(warmup.map((answer) => answer.status)).toEqual(Array(16).fill(201));
    expect(answers.map((answer) => answer.status)).toEqual(Array(48).fill(201));
    const total = 16_000 + (48 * 49) / 2;
    expect(await merchant.balanceOf(accountId)).toBe(total);
    const entries = await merchant.entriesOf(accountId);
    expect(entries.map((entry) => entry.amount).sort((a, b) => a - b)).toEqual([
      ...Array.from({ length: 48 }, (_, index) => index + 1),
      ...Array(16).fill(1_000),
    ]);
    expectRunningSums(entries);
    // Each answer's balance is the one its entry left.
    for (const answer of answers) {
      const entry = entries.find((candidate) => candidate.referenceId === answer.body.id);
      expect(answer.body.balance).toBe(entry?.balanceAfter);
    }
    const transactions = proxy.attempts("TransactWriteItems") - transactionsBefore;
    expect(transactions).toBeLessThanOrEqual(1.5 * 48);
    // Folded: far fewer transactions named the account than there were deposits.
    expect(proxy.attempts("TransactWriteItems", account) - accountTransactionsBefore).toBeLessThan(
      48,
    );
    expect(await queued(accountId)).toBe(0);
  });

  it("runs duplicates of one deposit on a hot account once; every duplicate answers its outcome", async () => {
    const merchant = api.caller(`merchant-${randomUUID()}`);
    const accountId = await merchant.openAccount("EUR");
    const key = randomUUID();
    const emulation = proxy.emulateTransactionConflicts();

    const answers = await Promise.all([
      ...Array.from({ length: 16 }, (_, index) =>
        merchant.post(`/accounts/${accountId}/deposits`, { amount: 100 + index }),
      ),
      ...Array.from({ length: 8 }, () =>
        merchant.post(`/accounts/${accountId}/deposits`, { amount: 7 }, { key }),
      ),
    ]).finally(() => emulation.disarm());

    expect(answers.map((answer) => answer.status)).toEqual(Array(24).fill(201));
    const duplicates = answers.slice(16);
    expect(new Set(duplicates.map((answer) => answer.body.id)).size).toBe(1);
    const entries = await merchant.entriesOf(accountId);
    expect(entries.filter((entry) => entry.amount === 7)).toHaveLength(1);
    expect(await merchant.balanceOf(accountId)).toBe(16 * 100 + 120 + 7);
    expectRunningSums(entries);
  });

  it("answers 422 to the key's reuse for another amount while the account is hot, and moves nothing for it", async () => {
    const merchant = api.caller(`merchant-${randomUUID()}`);
    const accountId = await merchant.openAccount("EUR");
    const key = randomUUID();
    const emulation = proxy.emulateTransactionConflicts();

    const [first, ...others] = await Promise.all([
      merchant.post(`/accounts/${accountId}/deposits`, { amount: 5 }, { key }),
      ...Array.from({ length: 16 }, () =>
        merchant.post(`/accounts/${accountId}/deposits`, { amount: 1 }),
      ),
    ]);
    const reused = await merchant.post(`/accounts/${accountId}/deposits`, { amount: 6 }, { key });
    emulation.disarm();

    expect(first?.status).toBe(201);
    expect(others.map((answer) => answer.status)).toEqual(Array(16).fill(201));
    expect(reused.status).toBe(422);
    expect(await merchant.balanceOf(accountId)).toBe(5 + 16);
  });
});

/**
 * A deposit of `amount` into an account holding 100 that every transaction
 * naming it fails to write (neither the direct write nor a fold commits),
 * under a 3 s invocation: answered while its movement waits in the queue.
 * The account stays held until `held.disarm()`.
 */
async function depositWhileHeld(amount: number) {
  const merchant = shortApi.caller(`merchant-${randomUUID()}`);
  const accountId = await merchant.openAccount("EUR", 100);
  const key = randomUUID();
  const held = proxy.injectTransactionConflict(
    { table: testEnvironment().dataTable, key: accountKey(accountId) },
    { times: 1_000 },
  );
  const answer = await merchant.post(`/accounts/${accountId}/deposits`, { amount }, { key });
  const retry = () => merchant.post(`/accounts/${accountId}/deposits`, { amount }, { key });
  return { merchant, accountId, held, answer, retry };
}

describe("a queued movement the invocation could not wait for", () => {
  it("answers 503 with Retry-After, keeps the movement queued, and the retry with its key answers it, moved once", async () => {
    const { merchant, accountId, held, answer, retry: sendAgain } = await depositWhileHeld(40);
    const balanceMeanwhile = await merchant.balanceOf(accountId);
    const queuedMeanwhile = await queued(accountId);
    held.disarm();
    const retry = await sendAgain();

    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(held.refused()).toBeGreaterThan(1);
    expect(balanceMeanwhile).toBe(100);
    expect(queuedMeanwhile).toBe(1);
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ amount: 40, balance: 140 });
    expect(await merchant.balanceOf(accountId)).toBe(140);
    expect((await merchant.entriesOf(accountId)).map((entry) => entry.amount)).toEqual([100, 40]);
    expect(await queued(accountId)).toBe(0);
  });
});

describe("a queued movement nobody comes back for", () => {
  it("is folded by the reconciler's next run, once; the retry that comes later answers it", async () => {
    const { merchant, accountId, held, answer, retry: sendAgain } = await depositWhileHeld(30);
    held.disarm();
    const queuedBefore = await queued(accountId);

    const report = (await shortApi.reconcile()) as { movementsFolded: number };

    expect(answer.status).toBe(503);
    expect(queuedBefore).toBe(1);
    // The tier's tables are shared: other files' queued movements may be folded by the same run.
    expect(report.movementsFolded).toBeGreaterThanOrEqual(1);
    expect(await queued(accountId)).toBe(0);
    expect(await merchant.balanceOf(accountId)).toBe(130);
    const retry = await sendAgain();
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ amount: 30, balance: 130 });
    expect((await merchant.entriesOf(accountId)).map((entry) => entry.amount)).toEqual([100, 30]);
  });
});

describe("transfers crossing between two accounts in both directions", () => {
  async function crossingWorld(on: TestApi) {
    const alice: ApiCaller = on.caller(`crossing-${randomUUID()}`);
    const a = await alice.openAccount("EUR", 1_000);
    const b = await alice.openAccount("EUR", 1_000);
    return { alice, a, b };
  }

  async function sendCrossing(alice: ApiCaller, a: string, b: string) {
    const transfers = Array.from({ length: 60 }, (_, index) => ({
      key: randomUUID(),
      body: {
        fromAccountId: index % 2 === 0 ? a : b,
        toAccountId: index % 2 === 0 ? b : a,
        amount: 10 + (index % 2),
      },
    }));
    const send = (transfer: (typeof transfers)[number]) =>
      alice.post("/transfers", transfer.body, { key: transfer.key });
    return { transfers, send };
  }

  /** 30 of 10 from a to b and 30 of 11 from b to a, each once in both ledgers. */
  async function expectCrossingMoved(alice: ApiCaller, a: string, b: string) {
    expect(await alice.balanceOf(a)).toBe(1_000 - 300 + 330);
    expect(await alice.balanceOf(b)).toBe(1_000 + 300 - 330);
    for (const account of [a, b]) {
      const entries = await alice.entriesOf(account);
      expect(entries).toHaveLength(61);
      expect(new Set(entries.map((entry) => entry.referenceId)).size).toBe(61);
      expectRunningSums(entries);
    }
    expect(await queued(a < b ? a : b)).toBe(0);
  }

  it("answers all 60 sent at once 201 on their first answer, the money exact", async () => {
    const { alice, a, b } = await crossingWorld(api);
    const { transfers, send } = await sendCrossing(alice, a, b);
    const emulation = proxy.emulateTransactionConflicts();

    const answers = await Promise.all(transfers.map(send)).finally(() => emulation.disarm());

    expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(201));
    await expectCrossingMoved(alice, a, b);
  });

  // Whether a 3 s invocation is long enough is a matter of this machine's
  // speed: the bench measures it (0 × 503 is the goal there). Here, under
  // whatever load the suite puts on the machine, what must hold is that a
  // transfer answered 503 while queued is written once, and its retry says so.
  it("under a 3 s function timeout, answers every one 201 at once or on its retry with the same key; each moves once", async () => {
    const { alice, a, b } = await crossingWorld(shortApi);
    const { transfers, send } = await sendCrossing(alice, a, b);
    const emulation = proxy.emulateTransactionConflicts();

    const first = await Promise.all(transfers.map(send));
    let pending = transfers.filter((_, index) => first[index]?.status !== 201);
    for (let pass = 0; pass < 10 && pending.length > 0; pass += 1) {
      const again = await Promise.all(pending.map(send));
      pending = pending.filter((_, index) => again[index]?.status !== 201);
    }
    emulation.disarm();

    expect(first.every((answer) => [201, 503].includes(answer.status))).toBe(true);
    expect(pending).toEqual([]);
    await expectCrossingMoved(alice, a, b);
  });
});
