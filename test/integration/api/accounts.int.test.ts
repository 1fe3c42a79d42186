import { randomUUID } from "node:crypto";
import { paginateScan } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { testClient, testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import { startTestApi, type TestApi } from "../../support/http-api";
import { deferred } from "../../support/lambda-fixtures";
import { within } from "../../support/within";

// The API reaches DynamoDB Local through a proxy that can hold one transaction
// (the handlers read their endpoint once, when the first API loads them).
let proxy: DynamoDbProxy;
let api: TestApi;
beforeAll(async () => {
  proxy = await startDynamoDbProxy(testEnvironment().endpoint);
  api = await startTestApi({ DYNAMODB_ENDPOINT: proxy.url });
});
afterAll(async () => {
  await api.close();
  await proxy.close();
});

describe("accounts over HTTP", () => {
  it("opens an account: 201, Location, ETag and the account", async () => {
    const alice = api.caller("alice-accounts");

    const answer = await alice.post("/accounts", { currency: "EUR", name: "Savings" });

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      ownerId: "alice-accounts",
      name: "Savings",
      currency: "EUR",
      balance: 0,
      version: 1,
    });
    expect(answer.body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(answer.headers.get("location")).toBe(`/accounts/${answer.body.id}`);
    expect(answer.headers.get("etag")).toBe('"1"');
    expect(new Date(String(answer.body.createdAt)).toISOString()).toBe(answer.body.createdAt);
  });

  it("reads an account with its version as ETag, and hides it from anyone else", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount("EUR", 700);

    const own = await alice.get(`/accounts/${accountId}`);
    const foreign = await api.caller().get(`/accounts/${accountId}`);
    const missing = await alice.get("/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV");

    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ balance: 700, version: 2 });
    expect(own.headers.get("etag")).toBe('"2"');
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(missing.text.replace("01ARZ3NDEKTSV4RRFFQ69G5FAV", accountId));
    expect(foreign.headers.get("content-type")).toBe("application/problem+json");
  });

  it("deposits once however often the same request is retried", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount();
    const key = randomUUID();

    const first = await alice.post(`/accounts/${accountId}/deposits`, { amount: 500 }, { key });
    const retry = await alice.post(`/accounts/${accountId}/deposits`, { amount: 500 }, { key });

    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ accountId, amount: 500, balance: 500 });
    expect(first.headers.get("location")).toBe(`/accounts/${accountId}/deposits/${first.body.id}`);
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await alice.balanceOf(accountId)).toBe(500);
    const deposit = await alice.get(String(first.headers.get("location")));
    expect(deposit.body).toEqual(first.body);
  });

  it("applies 20 concurrent identical deposits exactly once: one 201, 19 replays of it, never a 409", async () => {
    // The proxy holds the first deposit transaction to reach DynamoDB: that
    // attempt is certainly in flight while the others commit.
    const alice = api.caller();
    const accountId = await alice.openAccount();
    const key = randomUUID();
    const held = proxy.holdRequestOf(callerRecordKey(alice.sub, key));
    const deposit = () => alice.post(`/accounts/${accountId}/deposits`, { amount: 250 }, { key });

    const othersAnswered = deferred();
    let answeredCount = 0;
    const answering = Array.from({ length: 20 }, () =>
      deposit().then((answer) => {
        answeredCount += 1;
        if (answeredCount === 19) othersAnswered.resolve();
        return answer;
      }),
    );
    await within(held.arrived, 10_000, "the first deposit transaction");
    await within(othersAnswered.promise, 10_000, "the 19 other answers");
    // Sent before any other committed, it reaches DynamoDB after the winner's commit.
    const heldStatus = await held.release();
    const answers = await Promise.all(answering);

    // A commit route: every duplicate answers the winner's committed answer.
    // The held one's transaction was cancelled (400) by the record condition.
    expect(heldStatus).toBe(400);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    const executed = answers.filter((answer) => !answer.headers.get("idempotent-replayed"));
    const replayed = answers.filter(
      (answer) => answer.headers.get("idempotent-replayed") === "true",
    );
    expect(executed).toHaveLength(1);
    expect(replayed).toHaveLength(19);
    const winner = executed[0];
    expect(winner?.body).toMatchObject({ accountId, amount: 250, balance: 250 });
    for (const replay of replayed) {
      expect(replay.text).toBe(winner?.text);
      expect(replay.headers.get("location")).toBe(winner?.headers.get("location"));
    }
    expect(await alice.balanceOf(accountId)).toBe(250);
    const entries = await alice.entriesOf(accountId);
    expect(entries).toEqual([
      expect.objectContaining({
        type: "deposit",
        amount: 250,
        balanceAfter: 250,
        referenceId: winner?.body.id,
      }),
    ]);
  });

  it("pages through entries oldest first, and they add up to the balance", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount();
    for (const amount of [100, 200, 300, 400, 500]) {
      await alice.post(`/accounts/${accountId}/deposits`, { amount });
    }

    const first = await alice.get(`/accounts/${accountId}/entries?limit=2`);
    const second = await alice.get(
      `/accounts/${accountId}/entries?limit=2&cursor=${first.body.nextCursor}`,
    );
    const third = await alice.get(
      `/accounts/${accountId}/entries?limit=2&cursor=${second.body.nextCursor}`,
    );

    const items = [first, second, third].flatMap(
      (page) => page.body.items as Array<{ amount: number; balanceAfter: number; type: string }>,
    );
    expect(items.map((entry) => entry.amount)).toEqual([100, 200, 300, 400, 500]);
    expect(items.map((entry) => entry.balanceAfter)).toEqual([100, 300, 600, 1000, 1500]);
    expect(items.every((entry) => entry.type === "deposit")).toBe(true);
    expect(third.body.nextCursor).toBeNull();
    expect(items.reduce((sum, entry) => sum + entry.amount, 0)).toBe(
      await alice.balanceOf(accountId),
    );
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["cursor=not-a-cursor", "cursor"],
    ["colour=blue", ""],
  ])("refuses entries?%s with a validation error", async (query, path) => {
    const alice = api.caller();
    const accountId = await alice.openAccount();

    const answer = await alice.get(`/accounts/${accountId}/entries?${query}`);

    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/\/problems\/validation-error$/);
    expect((answer.body as { errors?: Array<{ path: string }> }).errors?.[0]?.path).toBe(path);
  });

  it.each<[string, unknown, string]>([
    ["a lower-case currency", { currency: "eur" }, "currency"],
    ["an unknown field", { currency: "EUR", colour: "blue" }, ""],
    ["a name over 100 characters", { currency: "EUR", name: "x".repeat(101) }, "name"],
    ["no currency", {}, "currency"],
  ])("refuses an account with %s (400, field named)", async (_, body, path) => {
    const answer = await api.caller().post("/accounts", body);

    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/\/problems\/validation-error$/);
    expect((answer.body as { errors?: Array<{ path: string }> }).errors?.[0]?.path).toBe(path);
  });

  it.each<[string, unknown]>([
    ["zero", 0],
    ["negative", -5],
    ["fractional", 1.5],
    ["over 10^12", 1e12 + 1],
    ["a string", "500"],
  ])("refuses a %s deposit amount", async (_, amount) => {
    const alice = api.caller();
    const accountId = await alice.openAccount();

    const answer = await alice.post(`/accounts/${accountId}/deposits`, { amount });

    expect(answer.status).toBe(400);
    expect(await alice.balanceOf(accountId)).toBe(0);
  });

  it("hides another caller's account from deposits (404) and leaves its balance alone", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount("EUR", 100);

    const answer = await api.caller().post(`/accounts/${accountId}/deposits`, { amount: 50 });

    expect(answer.status).toBe(404);
    expect(await alice.balanceOf(accountId)).toBe(100);
  });
});

describe("the correlation id in outbox events", () => {
  it("writes the request's id (x-amzn-RequestId) into the event the deposit commits", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount("EUR");

    const deposit = await alice.post(`/accounts/${accountId}/deposits`, { amount: 5 });
    // Outbox items have partitions of their own: find this account's, page by page.
    const Items = [];
    for await (const page of paginateScan(
      { client: testClient() },
      {
        TableName: testEnvironment().dataTable,
        FilterExpression: "kind = :outbox AND subject = :account AND #type = :deposited",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: marshall({
          ":outbox": "outbox",
          ":account": accountId,
          ":deposited": "account.deposited",
        }),
      },
    )) {
      Items.push(...(page.Items ?? []));
    }

    expect(deposit.status).toBe(201);
    expect(Items.map((item) => unmarshall(item).correlationId)).toEqual([
      deposit.headers.get("x-amzn-requestid"),
    ]);
  });
});
