import { randomUUID } from "node:crypto";
import type { ProcessorEmulator } from "../../../lib/local/processor-emulator/processor-emulator";
import {
  cardPayment,
  chargesOf as chargesOfOrder,
  pendingOrder,
} from "../../support/card-payment-requests";
import { type ApiAnswer, type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";

/**
 * Card payments through the local API and its Stripe emulator: each cell
 * checks the answer, the order and payment as stored, and how many charges
 * the processor created for the request's processor key (exactly one per
 * logical request, whatever the retries).
 */

jest.setTimeout(60_000);

let api: TestApi;
let processor: ProcessorEmulator;

beforeAll(async () => {
  // A short invocation: a processor that hangs is given up within it.
  api = await startTestApi({ FUNCTION_TIMEOUT_SECONDS: "4" });
  if (!api.processor) throw new Error("the local API started no processor emulator");
  processor = api.processor;
  // These cells are about the API's own attempts: the processor's events are
  // held (processor-webhooks.int.test.ts delivers them).
  processor.holdWebhooks();
});
afterAll(() => api?.close());
afterEach(() => processor.clearFaults());

const chargesOf = (orderId: string) => chargesOfOrder(processor, orderId);

const statusOf = async (caller: ApiCaller, orderId: string) =>
  (await caller.get(`/orders/${orderId}`)).body.status;

describe("paying an order by card", () => {
  it("charges once: 201 with the payment, the order paid, and a retry replays", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const pay = cardPayment(alice, orderId);

    const paid = await pay();
    const again = await pay();
    const payment = await alice.get(`/orders/${orderId}/payment`);

    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({
      orderId,
      method: "card",
      paymentMethod: "pm_card_visa",
      amount: 3000,
      currency: "EUR",
      status: "succeeded",
      processorPaymentId: expect.stringMatching(/^pi_/),
    });
    expect(paid.headers.get("location")).toBe(`/orders/${orderId}/payment`);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.text).toBe(paid.text);
    expect(payment.body).toEqual(paid.body);
    expect(await statusOf(alice, orderId)).toBe("paid");
    expect(chargesOf(orderId)).toHaveLength(1);
  });

  it("a declined card is 402 card-declined, stored; the order stays payable under a new key", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const declined = cardPayment(alice, orderId, "pm_card_chargeDeclinedInsufficientFunds");

    const first = await declined();
    const again = await declined();
    const afterDecline = await statusOf(alice, orderId);
    const failedPayment = await alice.get(`/orders/${orderId}/payment`);
    const paid = await cardPayment(alice, orderId)();

    expect(first.status).toBe(402);
    expect(first.body).toMatchObject({
      type: "https://payments.example.com/problems/card-declined",
      status: 402,
      declineCode: "insufficient_funds",
    });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.text).toBe(first.text);
    expect(afterDecline).toBe("pending");
    expect(failedPayment.body).toMatchObject({
      status: "failed",
      declineCode: "insufficient_funds",
    });
    expect(paid.status).toBe(201);
    expect(await statusOf(alice, orderId)).toBe("paid");
  });

  it("refuses a body with both or neither of accountId and paymentMethod", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const accountId = await alice.openAccount("EUR", 10_000);

    const both = await alice.post(`/orders/${orderId}/payments`, {
      accountId,
      paymentMethod: "pm_card_visa",
    });
    const neither = await alice.post(`/orders/${orderId}/payments`, {});

    expect([both.status, neither.status]).toEqual([400, 400]);
    expect(both.body.type).toMatch(/\/validation-error$/);
    expect(await statusOf(alice, orderId)).toBe("pending");
    expect(chargesOf(orderId)).toHaveLength(0);
  });
});

describe("concurrent card payments", () => {
  it("ten duplicates of one key at once: one charge; the others are told it is in progress, then replay it", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const pay = cardPayment(alice, orderId);

    const answers = await Promise.all(Array.from({ length: 10 }, () => pay()));
    const after = await pay();

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    for (const refused of answers.filter((answer) => answer.status === 409)) {
      expect(refused.body.type).toMatch(/\/idempotency-key-in-progress$/);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(after.status).toBe(201);
    expect(after.headers.get("idempotent-replayed")).toBe("true");
    expect(chargesOf(orderId)).toHaveLength(1);
  });

  it("two keys pay one order at once: one charge, the other refused (in progress or already paid)", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);

    const answers = await Promise.all([
      cardPayment(alice, orderId)(),
      cardPayment(alice, orderId)(),
    ]);

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 409]);
    const refused = answers.find((answer) => answer.status === 409);
    expect(refused?.body.type).toMatch(/\/(payment-in-progress|order-already-paid)$/);
    expect(await statusOf(alice, orderId)).toBe("paid");
    expect(chargesOf(orderId)).toHaveLength(1);
  });
});

describe("the processor's outcome is unknown", () => {
  it.each([
    ["charges, then drops the connection", "charge-then-drop"],
    ["charges, then answers 500", "charge-then-server-error"],
  ] as const)(
    "it %s: 503 payment-processor-unavailable, payment_pending; the retry resumes and charges once",
    async (_what, kind) => {
      const alice = api.caller();
      const orderId = await pendingOrder(alice);
      const pay = cardPayment(alice, orderId);
      // The client's own retry within the call meets the fault too.
      processor.injectFault({ kind, times: 3 });

      const first = await pay();
      const meanwhile = await statusOf(alice, orderId);
      const payment = await alice.get(`/orders/${orderId}/payment`);
      processor.clearFaults();
      const retry = await pay();

      expectUnknownOutcome(first);
      expect(meanwhile).toBe("payment_pending");
      expect(payment.body).toMatchObject({ status: "processing" });
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBeNull();
      expect(await statusOf(alice, orderId)).toBe("paid");
      expect(chargesOf(orderId)).toHaveLength(1);
    },
  );

  it("the processor fails before charging (500): 503, and the retry charges once", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const pay = cardPayment(alice, orderId);
    processor.injectFault({ kind: "server-error", times: 3 });

    const first = await pay();
    processor.clearFaults();
    const retry = await pay();

    expectUnknownOutcome(first);
    expect(retry.status).toBe(201);
    expect(chargesOf(orderId)).toHaveLength(1);
  });

  it("the processor hangs past the invocation: 503 before the deadline; the retry charges once", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const pay = cardPayment(alice, orderId);
    processor.injectFault({ kind: "hang", times: 1 });

    const first = await pay();
    processor.releaseHeld();
    const retry = await pay();

    expectUnknownOutcome(first);
    expect(retry.status).toBe(201);
    expect(await statusOf(alice, orderId)).toBe("paid");
    expect(chargesOf(orderId)).toHaveLength(1);
  });

  it("another payment of an order whose card payment is at the processor is 409 payment-in-progress", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    processor.injectFault({ kind: "charge-then-drop", times: 3 });
    expectUnknownOutcome(await cardPayment(alice, orderId)());
    processor.clearFaults();

    const other = await cardPayment(alice, orderId)();

    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/\/payment-in-progress$/);
    expect(chargesOf(orderId)).toHaveLength(1);
  });
});

function expectUnknownOutcome(answer: ApiAnswer): void {
  expect(answer.status).toBe(503);
  expect(answer.body.type).toBe(
    "https://payments.example.com/problems/payment-processor-unavailable",
  );
  expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
}

describe("refunding a card-paid order", () => {
  async function paidByCard(caller: ApiCaller): Promise<string> {
    const orderId = await pendingOrder(caller);
    const paid = await cardPayment(caller, orderId)();
    if (paid.status !== 201) throw new Error(paid.text);
    return orderId;
  }
  const refundsOf = (orderId: string) =>
    processor.refunds().filter((refund) => refund.metadata.orderId === orderId);
  function refund(caller: ApiCaller, orderId: string, amount: number) {
    const key = randomUUID();
    return () => caller.post(`/orders/${orderId}/refunds`, { amount }, { key });
  }

  it("refunds through the processor once: 201 with the processor's refund id; a retry replays", async () => {
    const alice = api.caller();
    const orderId = await paidByCard(alice);
    const partial = refund(alice, orderId, 1000);

    const first = await partial();
    const again = await partial();
    const order = await alice.get(`/orders/${orderId}`);

    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      orderId,
      amount: 1000,
      status: "succeeded",
      processorRefundId: expect.stringMatching(/^re_/),
    });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(order.body).toMatchObject({
      status: "partially_refunded",
      refundedAmount: 1000,
      refundPendingAmount: 0,
    });
    expect(refundsOf(orderId).map((made) => made.amount)).toEqual([1000]);
  });

  it("two card refunds of one order at once both land, each once, and never exceed the payment", async () => {
    const alice = api.caller();
    const orderId = await paidByCard(alice);
    // Both reach the processor before either finishes: each finish meets the other's order version.
    processor.injectFault({ kind: "slow", path: "/v1/refunds", delayMs: 300, times: 2 });

    const answers = await Promise.all([
      refund(alice, orderId, 1000)(),
      refund(alice, orderId, 1500)(),
      refund(alice, orderId, 1000)(),
    ]);

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 201, 409]);
    const refused = answers.find((answer) => answer.status === 409);
    expect(refused?.body.type).toMatch(/\/refund-exceeds-payment$/);
    const refunded = answers.filter((answer) => answer.status === 201).map((a) => a.body.amount);
    const order = (await alice.get(`/orders/${orderId}`)).body;
    expect(order).toMatchObject({ refundPendingAmount: 0 });
    expect(order.refundedAmount).toBe(
      (refunded as number[]).reduce((sum, amount) => sum + amount, 0),
    );
    expect(
      refundsOf(orderId)
        .map((made) => made.amount)
        .sort(),
    ).toEqual((refunded as number[]).sort());
  });

  it("an unknown outcome holds the amount back (no over-refund meanwhile); the retry refunds once", async () => {
    const alice = api.caller();
    const orderId = await paidByCard(alice);
    const whole = refund(alice, orderId, 3000);
    processor.injectFault({ kind: "charge-then-drop", path: "/v1/refunds", times: 3 });

    const first = await whole();
    const held = await alice.get(`/orders/${orderId}`);
    const another = await refund(alice, orderId, 1)();
    processor.clearFaults();
    const retry = await whole();

    expectUnknownOutcome(first);
    expect(held.body).toMatchObject({ status: "paid", refundPendingAmount: 3000 });
    expect(another.status).toBe(409);
    expect(another.body.type).toMatch(/\/refund-exceeds-payment$/);
    expect(retry.status).toBe(201);
    expect((await alice.get(`/orders/${orderId}`)).body).toMatchObject({
      status: "refunded",
      refundedAmount: 3000,
      refundPendingAmount: 0,
    });
    expect(refundsOf(orderId)).toHaveLength(1);
  });
});
