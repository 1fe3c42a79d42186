import { randomUUID } from "node:crypto";
import { createPaymentsClient, PaymentsApiProblem, type PaymentsClient } from "../../../sdk";
import { startTestApi, type TestApi } from "../../support/http-api";
import { rejectionOf } from "../../support/rejection";
import { entriesThroughSdk, sumOf } from "../../support/sdk-ledger";

jest.setTimeout(60_000);

describe("the README walkthrough through the SDK", () => {
  let api: TestApi;
  let client: PaymentsClient;

  beforeAll(async () => {
    api = await startTestApi();
    const alice = api.caller(`sdk-${randomUUID()}`);
    client = createPaymentsClient({ baseUrl: api.url, token: () => alice.token() });
  });
  afterAll(async () => api?.close());

  it("moves money once per key and keeps every ledger adding up to its balance", async () => {
    const wallet = (await client.createAccount({ currency: "EUR", name: "Wallet" })).data;
    const savings = (await client.createAccount({ currency: "EUR" })).data;
    expect(wallet).toMatchObject({ currency: "EUR", name: "Wallet", balance: 0, version: 1 });

    // A deposit, then the very same request again under its key: a replay.
    const key = `deposit-${randomUUID()}`;
    const first = await client.createDeposit(wallet.id, { amount: 5000 }, { idempotencyKey: key });
    const again = await client.createDeposit(wallet.id, { amount: 5000 }, { idempotencyKey: key });
    expect(first).toMatchObject({ status: 201, replayed: false, idempotencyKey: key });
    expect(again).toMatchObject({ status: 201, replayed: true, data: first.data });
    expect((await client.getAccount(wallet.id)).data.balance).toBe(5000);

    // The same key for another request: a typed 422, nothing moves.
    const reused = await rejectionOf(
      client.createDeposit(wallet.id, { amount: 9999 }, { idempotencyKey: key }),
    );
    expect(reused).toBeInstanceOf(PaymentsApiProblem);
    expect(reused).toMatchObject({
      status: 422,
      slug: "idempotency-key-reused",
      idempotencyKey: key,
      attempts: 1,
    });

    const transfer = await client.createTransfer({
      fromAccountId: wallet.id,
      toAccountId: savings.id,
      amount: 1200,
    });
    expect(transfer.data).toMatchObject({ amount: 1200, currency: "EUR" });
    expect((await client.getTransfer(transfer.data.id)).data).toEqual(transfer.data);

    const order = await client.createOrder({
      currency: "EUR",
      items: [{ sku: "book", quantity: 2, unitPrice: 1500 }],
    });
    expect(order.data).toMatchObject({ status: "pending", total: 3000 });
    const payment = await client.payOrder(order.data.id, { accountId: wallet.id });
    expect(payment.data).toMatchObject({ amount: 3000, accountId: wallet.id });
    // A second payment under another key is final: a business 409, never retried.
    const paidTwice = await rejectionOf(client.payOrder(order.data.id, { accountId: wallet.id }));
    expect(paidTwice).toMatchObject({ status: 409, slug: "order-already-paid", attempts: 1 });
    const refund = await client.refundOrder(order.data.id, { amount: 1000 });
    expect(refund.data).toMatchObject({ amount: 1000, orderId: order.data.id });
    expect((await client.getOrder(order.data.id)).data).toMatchObject({
      status: "partially_refunded",
      refundedAmount: 1000,
    });

    const walletBalance = (await client.getAccount(wallet.id)).data.balance;
    const savingsBalance = (await client.getAccount(savings.id)).data.balance;
    expect(walletBalance).toBe(5000 - 1200 - 3000 + 1000);
    expect(savingsBalance).toBe(1200);
    const walletEntries = await entriesThroughSdk(client, wallet.id);
    expect(walletEntries.map((entry) => entry.type)).toEqual([
      "deposit",
      "transfer_out",
      "payment",
      "refund",
    ]);
    expect(sumOf(walletEntries.map((entry) => entry.amount))).toBe(walletBalance);
    expect(sumOf((await entriesThroughSdk(client, savings.id)).map((e) => e.amount))).toBe(
      savingsBalance,
    );
  });
});
