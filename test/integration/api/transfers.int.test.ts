import { randomUUID } from "node:crypto";
import { startTestApi, type TestApi } from "../../support/http-api";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe("transfers over HTTP", () => {
  it("moves money between two accounts and records both entries", async () => {
    const alice = api.caller();
    const bob = api.caller();
    const from = await alice.openAccount("EUR", 1000);
    const to = await bob.openAccount("EUR");

    const answer = await alice.post("/transfers", {
      fromAccountId: from,
      toAccountId: to,
      amount: 300,
    });

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      fromAccountId: from,
      toAccountId: to,
      amount: 300,
      currency: "EUR",
    });
    expect(answer.headers.get("location")).toBe(`/transfers/${answer.body.id}`);
    expect(await alice.balanceOf(from)).toBe(700);
    expect(await bob.balanceOf(to)).toBe(300);
    expect((await alice.entriesOf(from)).at(-1)).toMatchObject({
      type: "transfer_out",
      amount: -300,
      balanceAfter: 700,
    });
    expect(await bob.entriesOf(to)).toEqual([
      expect.objectContaining({
        type: "transfer_in",
        amount: 300,
        balanceAfter: 300,
        referenceId: answer.body.id,
      }),
    ]);
    expect((await alice.get(`/transfers/${answer.body.id}`)).body).toEqual(answer.body);
    expect((await bob.get(`/transfers/${answer.body.id}`)).status).toBe(404);
  });

  it("replays a stored insufficient-funds answer even after the account was funded", async () => {
    const alice = api.caller();
    const from = await alice.openAccount("EUR", 100);
    const to = await alice.openAccount("EUR");
    const key = randomUUID();
    const transfer = { fromAccountId: from, toAccountId: to, amount: 500 };

    const refused = await alice.post("/transfers", transfer, { key });
    await alice.post(`/accounts/${from}/deposits`, { amount: 1000 });
    const retried = await alice.post("/transfers", transfer, { key });
    const withNewKey = await alice.post("/transfers", transfer);

    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/\/problems\/insufficient-funds$/);
    expect(retried.status).toBe(409);
    expect(retried.text).toBe(refused.text);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(withNewKey.status).toBe(201);
    expect(await alice.balanceOf(from)).toBe(600);
  });

  it("lets exactly the affordable number of 10 concurrent transfers drain an account", async () => {
    const alice = api.caller();
    const from = await alice.openAccount("EUR", 1000);
    const to = await alice.openAccount("EUR");

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        alice.post("/transfers", { fromAccountId: from, toAccountId: to, amount: 300 }),
      ),
    );

    const succeeded = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.body.type?.endsWith("/insufficient-funds"));
    expect(succeeded).toHaveLength(3);
    expect(refused).toHaveLength(7);
    expect(await alice.balanceOf(from)).toBe(100);
    expect(await alice.balanceOf(to)).toBe(900);
    const fromEntries = await alice.entriesOf(from);
    expect(fromEntries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(100);
    expect(fromEntries.map((entry) => entry.balanceAfter)).toEqual([1000, 700, 400, 100]);
  });

  it("refuses a transfer between currencies (409) and moves nothing", async () => {
    const alice = api.caller();
    const from = await alice.openAccount("EUR", 1000);
    const to = await alice.openAccount("USD");

    const answer = await alice.post("/transfers", {
      fromAccountId: from,
      toAccountId: to,
      amount: 1,
    });

    expect(answer.status).toBe(409);
    expect(answer.body.type).toMatch(/\/problems\/currency-mismatch$/);
    expect(await alice.balanceOf(from)).toBe(1000);
  });

  it("answers 404 for an unknown destination and for a source the caller does not own", async () => {
    const alice = api.caller();
    const mine = await alice.openAccount("EUR", 1000);
    const bobs = await api.caller().openAccount("EUR", 1000);

    const unknown = await alice.post("/transfers", {
      fromAccountId: mine,
      toAccountId: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
      amount: 1,
    });
    const stealing = await alice.post("/transfers", {
      fromAccountId: bobs,
      toAccountId: mine,
      amount: 1,
    });

    expect(unknown.status).toBe(404);
    expect(stealing.status).toBe(404);
    expect(await alice.balanceOf(mine)).toBe(1000);
  });

  it("refuses the same account twice with 400 and stores nothing, so the fixed request may reuse the key", async () => {
    const alice = api.caller();
    const from = await alice.openAccount("EUR", 1000);
    const to = await alice.openAccount("EUR");
    const key = randomUUID();

    const invalid = await alice.post(
      "/transfers",
      { fromAccountId: from, toAccountId: from, amount: 5 },
      { key },
    );
    const fixed = await alice.post(
      "/transfers",
      { fromAccountId: from, toAccountId: to, amount: 5 },
      { key },
    );

    expect(invalid.status).toBe(400);
    expect((invalid.body as { errors?: Array<{ path: string }> }).errors?.[0]?.path).toBe(
      "toAccountId",
    );
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("idempotent-replayed")).toBeNull();
  });
});
