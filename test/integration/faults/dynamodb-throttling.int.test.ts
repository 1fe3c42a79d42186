import { randomUUID } from "node:crypto";
import { testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import { type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";

/**
 * DynamoDB throttles the data table (ProvisionedThroughputExceededException
 * on every attempt the SDK makes, as past a table's capacity or its on-demand
 * maximum): every route that reads or writes it answers 503 with
 * Retry-After, never 500, and has changed nothing; the same requests succeed
 * once the throttling stops.
 */

let proxy: DynamoDbProxy;
let api: TestApi;
let alice: ApiCaller;

beforeAll(async () => {
  proxy = await startDynamoDbProxy(testEnvironment().endpoint);
  api = await startTestApi({ DYNAMODB_ENDPOINT: proxy.url });
  alice = api.caller();
});

afterAll(async () => {
  await api?.close();
  await proxy?.close();
});

describe("a throttled data table", () => {
  it("answers 503 with Retry-After on reads and writes; the retries succeed once, after it", async () => {
    const wallet = await alice.openAccount("EUR", 1_000);
    const savings = await alice.openAccount("EUR");
    const depositKey = randomUUID();
    const transferKey = randomUUID();
    const requests = {
      deposit: () =>
        alice.post(`/accounts/${wallet}/deposits`, { amount: 250 }, { key: depositKey }),
      transfer: () =>
        alice.post(
          "/transfers",
          { fromAccountId: wallet, toAccountId: savings, amount: 100 },
          { key: transferKey },
        ),
      account: () => alice.get(`/accounts/${wallet}`),
      entries: () => alice.get(`/accounts/${wallet}/entries?limit=10`),
    };

    const throttling = proxy.throttle(testEnvironment().dataTable);
    const during = {
      deposit: await requests.deposit(),
      transfer: await requests.transfer(),
      account: await requests.account(),
      entries: await requests.entries(),
    };
    throttling.disarm();

    for (const [name, answer] of Object.entries(during)) {
      expect({
        name,
        status: answer.status,
        retryAfter: answer.headers.get("retry-after"),
      }).toEqual({ name, status: 503, retryAfter: "1" });
      expect(answer.body.type).toMatch(/\/problems\/service-unavailable$/);
    }

    const deposit = await requests.deposit();
    const transfer = await requests.transfer();
    expect([deposit.status, transfer.status]).toEqual([201, 201]);
    expect([
      deposit.headers.get("idempotent-replayed"),
      transfer.headers.get("idempotent-replayed"),
    ]).toEqual([null, null]);
    expect(await alice.balanceOf(wallet)).toBe(1_000 + 250 - 100);
    expect(await alice.balanceOf(savings)).toBe(100);
    const entries = await alice.entriesOf(wallet);
    expect(entries.map((entry) => entry.amount)).toEqual([1_000, 250, -100]);
    // The SDK backs off from throttling (its own jittered delays) before giving up.
  }, 30_000);
});
