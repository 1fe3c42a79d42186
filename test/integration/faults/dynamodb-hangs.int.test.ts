import { randomUUID } from "node:crypto";
import { testEnvironment } from "../../support/dynamodb";
import { type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";
import { startTcpRelay, type TcpRelay } from "../../support/tcp-relay";

/**
 * DynamoDB is reachable but does not answer. The SDK would wait out its
 * request timeout (5 s, three attempts); the invocation has 2 s here. Before
 * its deadline the route answers 503 with Retry-After, not Lambda's timeout
 * (API Gateway's 502/504) nor a 500, and the same request succeeds, once,
 * when DynamoDB answers again.
 */

let relay: TcpRelay;
let api: TestApi;
let alice: ApiCaller;

beforeAll(async () => {
  relay = await startTcpRelay(testEnvironment().endpoint);
  api = await startTestApi({ DYNAMODB_ENDPOINT: relay.url, FUNCTION_TIMEOUT_SECONDS: "2" });
  alice = api.caller();
});

afterAll(async () => {
  // First the relay: the attempts still waiting on it fail at once, and the
  // gateway, which waits for its invocations, can close.
  await relay?.close();
  await api?.close();
});

describe("a DynamoDB that does not answer", () => {
  it("is answered 503 with Retry-After before the invocation's deadline; the retry deposits once", async () => {
    const account = await alice.openAccount("EUR", 1_000);
    const key = randomUUID();
    const deposit = () => alice.post(`/accounts/${account}/deposits`, { amount: 250 }, { key });

    relay.hang();
    const [write, read] = await Promise.all([deposit(), alice.get(`/accounts/${account}`)]);
    relay.resume();

    for (const answer of [write, read]) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("1");
      expect(answer.body.type).toMatch(/\/problems\/service-unavailable$/);
    }
    const retried = await deposit();
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ amount: 250, balance: 1_250 });
    expect(await alice.balanceOf(account)).toBe(1_250);
    const entries = await alice.entriesOf(account);
    expect(entries.map((entry) => entry.amount)).toEqual([1_000, 250]);
  }, 30_000);
});
