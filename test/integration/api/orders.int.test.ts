import { randomUUID } from "node:crypto";
import { type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const items = [
  { sku: "book", quantity: 2, unitPrice: 1500 },
  { sku: "pen", quantity: 1, unitPrice: 200 },
];

async function pendingOrder(caller: ApiCaller, currency = "EUR") {
  const order = await caller.post("/orders", { currency, items });
  if (order.status !== 201) throw new Error(order.text);
  return String(order.body.id);
}

describe("orders over HTTP", () => {
  it("creates, reads and revises an order with optimistic locking", async () => {
    const alice = api.caller();

    const created = await alice.post("/orders", { currency: "EUR", items });
    const orderId = String(created.body.id);
    const noIfMatch = await alice.patch(`/orders/${orderId}`, { items: [items[0]] });
    const revised = await alice.patch(
      `/orders/${orderId}`,
      { items: [items[0]] },
      { headers: { "if-match": '"1"' } },
    );
    const stale = await alice.patch(
      `/orders/${orderId}`,
      { items },
      { headers: { "if-match": '"1"' } },
    );
    const read = await alice.get(`/orders/${orderId}`);

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: "pending",
      total: 3200,
      paidAmount: 0,
      refundedAmount: 0,
      version: 1,
    });
    expect(created.headers.get("location")).toBe(`/orders/${orderId}`);
    expect(created.headers.get("etag")).toBe('"1"');
    expect(noIfMatch.status).toBe(428);
    expect(noIfMatch.body.type).toMatch(/\/problems\/precondition-required$/);
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ total: 3000, version: 2 });
    expect(revised.headers.get("etag")).toBe('"2"');
    expect(stale.status).toBe(412);
    expect(read.body).toMatchObject({ total: 3000, version: 2 });
    expect(read.headers.get("etag")).toBe('"2"');
    expect((await api.caller().get(`/orders/${orderId}`)).status).toBe(404);
  });

  it("pays an order once: the account is debited by the total in the same transaction", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount("EUR", 5000);
    const orderId = await pendingOrder(alice);

    const payment = await alice.post(`/orders/${orderId}/payments`, { accountId });
    const again = await alice.post(`/orders/${orderId}/payments`, { accountId });

    expect(payment.status).toBe(201);
    expect(payment.body).toMatchObject({ orderId, accountId, amount: 3200, currency: "EUR" });
    expect(payment.headers.get("location")).toBe(`/orders/${orderId}/payment`);
    expect((await alice.get(`/orders/${orderId}/payment`)).body).toEqual(payment.body);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/\/problems\/order-already-paid$/);
    expect(await alice.balanceOf(accountId)).toBe(1800);
    expect((await alice.get(`/orders/${orderId}`)).body).toMatchObject({
      status: "paid",
      paidAmount: 3200,
    });
    expect((await alice.entriesOf(accountId)).at(-1)).toMatchObject({
      type: "payment",
      amount: -3200,
    });
  });

  it("debits once when 5 payments of one order race under different keys", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount("EUR", 100_000);
    const orderId = await pendingOrder(alice);

    const answers = await Promise.all(
      Array.from({ length: 5 }, () => alice.post(`/orders/${orderId}/payments`, { accountId })),
    );

    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(
      answers.filter((answer) => answer.body.type?.endsWith("/order-already-paid")),
    ).toHaveLength(4);
    expect(await alice.balanceOf(accountId)).toBe(100_000 - 3200);
  });

  it("refunds in parts up to the payment and never beyond, even concurrently", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount("EUR", 3200);
    const orderId = await pendingOrder(alice);
    await alice.post(`/orders/${orderId}/payments`, { accountId });

    const partial = await alice.post(`/orders/${orderId}/refunds`, { amount: 1000 });
    const afterPartial = await alice.get(`/orders/${orderId}`);
    const racing = await Promise.all(
      Array.from({ length: 6 }, () => alice.post(`/orders/${orderId}/refunds`, { amount: 1000 })),
    );
    const final = await alice.get(`/orders/${orderId}`);

    expect(partial.status).toBe(201);
    expect(partial.headers.get("location")).toBe(`/orders/${orderId}/refunds/${partial.body.id}`);
    expect((await alice.get(String(partial.headers.get("location")))).body).toEqual(partial.body);
    expect(afterPartial.body).toMatchObject({ status: "partially_refunded", refundedAmount: 1000 });
    expect(racing.filter((answer) => answer.status === 201)).toHaveLength(2);
    expect(
      racing.filter((answer) => answer.body.type?.endsWith("/refund-exceeds-payment")),
    ).toHaveLength(4);
    expect(final.body).toMatchObject({ status: "partially_refunded", refundedAmount: 3000 });
    expect(await alice.balanceOf(accountId)).toBe(3000);
    const last = await alice.post(`/orders/${orderId}/refunds`, { amount: 200 });
    expect(last.status).toBe(201);
    expect((await alice.get(`/orders/${orderId}`)).body).toMatchObject({
      status: "refunded",
      refundedAmount: 3200,
    });
  });

  it("enforces the state machine: cancel only pending, pay no cancelled order", async () => {
    const alice = api.caller();
    const accountId = await alice.openAccount("EUR", 5000);
    const orderId = await pendingOrder(alice);

    const cancelled = await alice.post(`/orders/${orderId}/cancel`);
    const cancelledAgain = await alice.post(`/orders/${orderId}/cancel`);
    const paid = await alice.post(`/orders/${orderId}/payments`, { accountId });
    const refund = await alice.post(`/orders/${orderId}/refunds`, { amount: 1 });

    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", version: 2 });
    for (const refused of [cancelledAgain, paid, refund]) {
      expect(refused.status).toBe(409);
      expect(refused.body.type).toMatch(/\/problems\/invalid-state-transition$/);
    }
    expect(await alice.balanceOf(accountId)).toBe(5000);
  });

  it("refuses a payment in another currency or beyond the balance, storing the refusal", async () => {
    const alice = api.caller();
    const dollars = await alice.openAccount("USD", 100_000);
    const poorEuros = await alice.openAccount("EUR", 100);
    const orderId = await pendingOrder(alice);
    const key = randomUUID();

    const mismatch = await alice.post(`/orders/${orderId}/payments`, { accountId: dollars });
    const poor = await alice.post(`/orders/${orderId}/payments`, { accountId: poorEuros }, { key });
    await alice.post(`/accounts/${poorEuros}/deposits`, { amount: 10_000 });
    const replayed = await alice.post(
      `/orders/${orderId}/payments`,
      { accountId: poorEuros },
      { key },
    );

    expect(mismatch.body.type).toMatch(/\/problems\/currency-mismatch$/);
    expect(poor.body.type).toMatch(/\/problems\/insufficient-funds$/);
    expect(replayed.text).toBe(poor.text);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect((await alice.get(`/orders/${orderId}`)).body).toMatchObject({ status: "pending" });
  });
});
