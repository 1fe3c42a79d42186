import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { createPaymentsClient } from "../../../sdk";
import { ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";
import { entriesThroughSdk, sumOf } from "../../support/sdk-ledger";

jest.setTimeout(180_000);

const ACCOUNTS = 3;
const CALLS = 40;
const OPENING_BALANCE = 50_000;

/** A fetch that reports what happened on the wire: answers, and requests that got none. */
function observedFetch() {
  const seen = { answers: 0, networkErrors: 0 };
  let onAnswer = () => {};
  const fetch: typeof globalThis.fetch = async (input, init) => {
    try {
      const response = await globalThis.fetch(input, init);
      seen.answers += 1;
      onAnswer();
      return response;
    } catch (error) {
      seen.networkErrors += 1;
      throw error;
    }
  };
  /** Resolves once `count` more answers have come back. */
  const answersFromNow = (count: number) => {
    const target = seen.answers + count;
    return new Promise<void>((resolve) => {
      onAnswer = () => {
        if (seen.answers >= target) resolve();
      };
    });
  };
  return { fetch, seen, answersFromNow };
}

describe("SDK calls across a SIGKILL and a restart of npm start", () => {
  let server: LocalApiProcess | undefined;
  afterEach(async () => server?.kill());

  it("settles every call exactly once: balances and ledgers match the calls that returned", async () => {
    // A fixed port and the test tier's DynamoDB Local: the restarted server
    // answers at the same address, over the same data.
    const port = String(await findFreePort());
    const environment = { PORT: port, JWT_SECRET: TEST_JWT_SECRET };
    server = await startLocalApiProcess(environment);
    const caller = new ApiCaller(server.url, `chaos-${randomUUID()}`);
    const wire = observedFetch();
    const client = createPaymentsClient({
      baseUrl: server.url,
      token: () => caller.token(),
      fetch: wire.fetch,
      // Room for a restart of npm start on a busy machine.
      retry: { budgetMs: 120_000, maxDelayMs: 1_000 },
    });
    const accounts: string[] = [];
    for (let index = 0; index < ACCOUNTS; index += 1) {
      const account = await client.createAccount({ currency: "EUR" });
      await client.createDeposit(account.data.id, { amount: OPENING_BALANCE });
      accounts.push(account.data.id);
    }
    const account = (index: number) => accounts[index % ACCOUNTS] ?? "";

    // Deposits and transfers around the accounts, all at once.
    const answersBeforeBurst = wire.seen.answers;
    const firstAnswers = wire.answersFromNow(3);
    const depositCalls = Array.from({ length: CALLS / 2 }, (_, index) =>
      client.createDeposit(account(index), { amount: 10 * (index + 1) }),
    );
    const transferCalls = Array.from({ length: CALLS / 2 }, (_, index) =>
      client.createTransfer({
        fromAccountId: account(index),
        toAccountId: account(index + 1),
        amount: 100 + index,
      }),
    );
    const burst = Promise.all([Promise.all(depositCalls), Promise.all(transferCalls)]);
    burst.catch(() => undefined); // awaited below: a call that fails fails the test there
    await firstAnswers;
    await server.kill();
    const answeredBeforeKill = wire.seen.answers - answersBeforeBurst;
    await delay(1_000);
    server = await startLocalApiProcess(environment);
    const [depositAnswers, transferAnswers] = await burst;

    // The kill cut requests off mid-burst; every call still got its answer, once.
    expect(answeredBeforeKill).toBeLessThan(CALLS);
    expect(wire.seen.networkErrors).toBeGreaterThan(0);
    const answers = [...depositAnswers, ...transferAnswers];
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    expect(new Set(answers.map((answer) => answer.data.id)).size).toBe(CALLS);
    const deposits = depositAnswers.map((answer) => answer.data);
    const transfers = transferAnswers.map((answer) => answer.data);

    for (const id of accounts) {
      const depositedHere = deposits.filter((d) => d.accountId === id);
      const sentFromHere = transfers.filter((t) => t.fromAccountId === id);
      const receivedHere = transfers.filter((t) => t.toAccountId === id);
      const expected =
        OPENING_BALANCE +
        sumOf(depositedHere.map((d) => d.amount)) -
        sumOf(sentFromHere.map((t) => t.amount)) +
        sumOf(receivedHere.map((t) => t.amount));
      const balance = (await client.getAccount(id)).data.balance;
      const entries = await entriesThroughSdk(client, id);

      expect(balance).toBe(expected);
      expect(entries).toHaveLength(
        1 + depositedHere.length + sentFromHere.length + receivedHere.length,
      );
      expect(sumOf(entries.map((entry) => entry.amount))).toBe(balance);
    }
  });
});
