import type { ChargeRequest, RefundRequest } from "../../../functions/processor/payment-processor";
import { ProcessorRequestError } from "../../../functions/processor/processor-request-error";
import { createStripePaymentProcessor } from "../../../functions/processor/stripe-payment-processor";
import {
  type ProcessorEmulator,
  startProcessorEmulator,
} from "../../../lib/local/processor-emulator/processor-emulator";

// The adapter against the emulator through the official client: every fault
// a caller must survive maps to the outcome the use cases expect, and a
// retry with the same key never charges or refunds twice.

const API_KEY = "sk_test_adapter";

let emulator: ProcessorEmulator;

beforeAll(async () => {
  emulator = await startProcessorEmulator({ apiKey: API_KEY, webhookSecret: "whsec_adapter" });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.clearFaults();
  emulator.releaseHeld();
});

/** No client retries: each fault is seen as is (a dropped connection is still retried once). */
const processor = (maxNetworkRetries = 0) =>
  createStripePaymentProcessor({ apiKey: API_KEY, url: emulator.url, maxNetworkRetries });

const charge = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  idempotencyKey: `charge:${crypto.randomUUID()}`,
  amount: 3000,
  currency: "EUR",
  paymentMethod: "pm_card_visa",
  metadata: { orderId: "order-1", paymentId: "payment-1" },
  timeoutMs: 5_000,
  ...overrides,
});

async function paidIntent(amount = 3000): Promise<string> {
  const outcome = await processor().charge(charge({ amount }));
  if (outcome.status !== "succeeded") throw new Error(`setup charge ${outcome.status}`);
  return outcome.processorPaymentId;
}

const refund = (
  processorPaymentId: string,
  overrides: Partial<RefundRequest> = {},
): RefundRequest => ({
  idempotencyKey: `refund:${crypto.randomUUID()}`,
  processorPaymentId,
  amount: 1000,
  metadata: { orderId: "order-1", refundId: "refund-1" },
  timeoutMs: 5_000,
  ...overrides,
});

describe("charge", () => {
  it("succeeds with the intent's id, sending lower-case currency and the metadata", async () => {
    const request = charge();
    const outcome = await processor().charge(request);

    expect(outcome).toEqual({
      status: "succeeded",
      processorPaymentId: expect.stringMatching(/^pi_/),
    });
    const [intent] = emulator
      .paymentIntents()
      .filter((it) => it.metadata.paymentId === "payment-1")
      .slice(-1);
    expect(intent).toMatchObject({ amount: 3000, currency: "eur", metadata: request.metadata });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
  });

  it.each([
    ["pm_card_chargeDeclined", "generic_decline"],
    ["pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"],
  ])("declines %s with %s and the intent's id", async (paymentMethod, declineCode) => {
    const outcome = await processor().charge(charge({ paymentMethod }));

    expect(outcome).toEqual({
      status: "declined",
      declineCode,
      processorPaymentId: expect.stringMatching(/^pi_/),
    });
  });

  it("is unknown on a 500 before the charge; the retry with the same key charges once", async () => {
    const request = charge();
    emulator.injectFault({ kind: "server-error", path: "/v1/payment_intents" });

    expect(await processor().charge(request)).toEqual({
      status: "unknown",
      reason: "server-error",
    });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(0);

    expect(await processor().charge(request)).toMatchObject({ status: "succeeded" });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
  });

  it("is unknown on a 500 after the charge; the retry gets the same intent, one charge", async () => {
    const request = charge();
    emulator.injectFault({ kind: "charge-then-server-error", path: "/v1/payment_intents" });

    expect(await processor().charge(request)).toEqual({
      status: "unknown",
      reason: "server-error",
    });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
    const [made] = emulator.paymentIntents().slice(-1);

    expect(await processor().charge(request)).toEqual({
      status: "succeeded",
      processorPaymentId: made?.id,
    });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
  });

  it("is unknown when the connection drops after the charge; the retry gets the same intent, one charge", async () => {
    const request = charge();
    // Twice: the client retries a closed connection once even with retries off.
    emulator.injectFault({ kind: "charge-then-drop", path: "/v1/payment_intents", times: 2 });

    expect(await processor().charge(request)).toEqual({ status: "unknown", reason: "connection" });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
    const [made] = emulator.paymentIntents().slice(-1);

    expect(await processor().charge(request)).toEqual({
      status: "succeeded",
      processorPaymentId: made?.id,
    });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
  });

  it("is unknown (timeout) within timeoutMs while the processor hangs, in-progress while it holds the key, then succeeds once", async () => {
    const request = charge({ timeoutMs: 200 });
    emulator.injectFault({ kind: "hang", path: "/v1/payment_intents" });

    // With the client's retries on (back-off 0.5 s, 1 s, 2 s): the deadline bounds the
    // whole call, back-off included, well inside this test's 2 s limit.
    expect(await processor(3).charge(request)).toEqual({ status: "unknown", reason: "timeout" });
    expect(await processor().charge(request)).toEqual({ status: "unknown", reason: "in-progress" });
    // The timed-out call was still held at the processor all along.
    expect(emulator.releaseHeld()).toBe(1);

    const settled = await processor().charge({ ...request, timeoutMs: 5_000 });
    expect(settled).toMatchObject({ status: "succeeded" });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
  }, 2_000);

  it("succeeds when slow within timeoutMs, and is unknown (timeout) when slower", async () => {
    emulator.injectFault({ kind: "slow", delayMs: 50, path: "/v1/payment_intents" });
    expect(await processor().charge(charge({ timeoutMs: 2_000 }))).toMatchObject({
      status: "succeeded",
    });

    emulator.injectFault({ kind: "slow", delayMs: 2_000, path: "/v1/payment_intents" });
    expect(await processor().charge(charge({ timeoutMs: 100 }))).toEqual({
      status: "unknown",
      reason: "timeout",
    });
  });

  it("is unknown (connection) when nothing listens at the URL", async () => {
    const gone = await startProcessorEmulator({ webhookSecret: "whsec_gone" });
    await gone.close();
    const unreachable = createStripePaymentProcessor({
      apiKey: API_KEY,
      url: gone.url,
      maxNetworkRetries: 0,
    });

    expect(await unreachable.charge(charge())).toEqual({ status: "unknown", reason: "connection" });
  });

  it("throws a ProcessorRequestError for the same key with other parameters (a bug)", async () => {
    const request = charge();
    await processor().charge(request);

    const error = await processor()
      .charge({ ...request, amount: 4000 })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(ProcessorRequestError);
    expect(error).toMatchObject({
      operation: "charge",
      details: { statusCode: 400, type: "idempotency_error" },
    });
    expect(emulator.chargesCreated(request.idempotencyKey)).toBe(1);
  });

  it("throws a ProcessorRequestError for an invalid API key (misconfiguration), without the key", async () => {
    const misconfigured = createStripePaymentProcessor({
      apiKey: "sk_test_wrong_key_value",
      url: emulator.url,
      maxNetworkRetries: 0,
    });

    const error = await misconfigured.charge(charge()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ProcessorRequestError);
    expect(error).toMatchObject({ details: { statusCode: 401 } });
    expect(String((error as Error).message)).not.toContain("sk_test_wrong_key_value");
  });
});

describe("refund", () => {
  it("succeeds with the refund's id; the same key again gets the same refund", async () => {
    const intent = await paidIntent();
    const request = refund(intent);

    const outcome = await processor().refund(request);
    expect(outcome).toEqual({
      status: "succeeded",
      processorRefundId: expect.stringMatching(/^re_/),
    });
    expect(await processor().refund(request)).toEqual(outcome);
    expect(emulator.refundsCreated(request.idempotencyKey)).toBe(1);
    expect(emulator.refunds().at(-1)).toMatchObject({
      metadata: request.metadata,
      payment_intent: intent,
    });
  });

  it("is refused for more than is left, and when nothing is left", async () => {
    const intent = await paidIntent(3000);

    expect(await processor().refund(refund(intent, { amount: 3001 }))).toMatchObject({
      status: "refused",
      reason: expect.stringContaining("greater than"),
    });
    expect(await processor().refund(refund(intent, { amount: 3000 }))).toMatchObject({
      status: "succeeded",
    });
    expect(await processor().refund(refund(intent, { amount: 1 }))).toMatchObject({
      status: "refused",
    });
    expect(emulator.refunds().filter((it) => it.payment_intent === intent)).toHaveLength(1);
  });

  it.each([
    ["server-error", 0, "server-error"],
    ["charge-then-server-error", 1, "server-error"],
  ] as const)(
    "is unknown on %s; the retry refunds exactly once",
    async (kind, madeBefore, reason) => {
      const intent = await paidIntent();
      const request = refund(intent);
      emulator.injectFault({ kind, path: "/v1/refunds" });

      expect(await processor().refund(request)).toEqual({ status: "unknown", reason });
      expect(emulator.refundsCreated(request.idempotencyKey)).toBe(madeBefore);

      expect(await processor().refund(request)).toMatchObject({ status: "succeeded" });
      expect(emulator.refundsCreated(request.idempotencyKey)).toBe(1);
    },
  );

  it("is unknown when the connection drops after the refund; the retry gets the same refund", async () => {
    const intent = await paidIntent();
    const request = refund(intent);
    emulator.injectFault({ kind: "charge-then-drop", path: "/v1/refunds", times: 2 });

    expect(await processor().refund(request)).toEqual({ status: "unknown", reason: "connection" });
    const made = emulator.refunds().at(-1);

    expect(await processor().refund(request)).toEqual({
      status: "succeeded",
      processorRefundId: made?.id,
    });
    expect(emulator.refundsCreated(request.idempotencyKey)).toBe(1);
  });

  it("is unknown (timeout) while the processor hangs, then in-progress while it holds the key", async () => {
    const intent = await paidIntent();
    const request = refund(intent, { timeoutMs: 200 });
    emulator.injectFault({ kind: "hang", path: "/v1/refunds" });

    expect(await processor().refund(request)).toEqual({ status: "unknown", reason: "timeout" });
    expect(await processor().refund(request)).toEqual({ status: "unknown", reason: "in-progress" });
    expect(emulator.releaseHeld()).toBe(1);
    expect(await processor().refund({ ...request, timeoutMs: 5_000 })).toMatchObject({
      status: "succeeded",
    });
    expect(emulator.refundsCreated(request.idempotencyKey)).toBe(1);
  });

  it("throws a ProcessorRequestError for a payment the processor does not know (a bug)", async () => {
    const error = await processor()
      .refund(refund("pi_unknown"))
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(ProcessorRequestError);
    expect(error).toMatchObject({
      operation: "refund",
      details: { statusCode: 400, code: "resource_missing" },
    });
  });
});
