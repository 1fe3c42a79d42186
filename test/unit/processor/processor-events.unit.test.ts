import { createHmac } from "node:crypto";
import {
  ProcessorEventInvalidError,
  verifyProcessorEvent,
  WebhookSignatureInvalidError,
} from "../../../functions/processor/processor-events";

const SECRET = "whsec_unit_test";
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOW_SECONDS = NOW_MS / 1000;
const now = () => NOW_MS;

/** Stripe's scheme: `t=<seconds>,v1=<hex HMAC-SHA256 of "t.payload">`. */
function sign(payload: string, timestamp = NOW_SECONDS, secret = SECRET): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

function event(type: string, object: unknown): string {
  return JSON.stringify({
    id: "evt_1",
    object: "event",
    type,
    created: NOW_SECONDS,
    data: { object },
  });
}

const intent = (overrides: Record<string, unknown> = {}) => ({
  id: "pi_1",
  object: "payment_intent",
  amount: 3000,
  currency: "eur",
  status: "succeeded",
  metadata: { orderId: "order-1", paymentId: "payment-1" },
  last_payment_error: null,
  ...overrides,
});

function verify(payload: string, header: string | undefined = sign(payload)) {
  return verifyProcessorEvent(payload, header, SECRET, { now });
}

describe("verifyProcessorEvent: the signature", () => {
  it("accepts a body signed with the secret within 300 s", () => {
    const payload = event("payment_intent.succeeded", intent());
    expect(verify(payload, sign(payload, NOW_SECONDS - 299)).kind).toBe("payment_intent.succeeded");
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["not Stripe's format", "sha256=abc"],
    ["signed with another secret", "other"],
    ["older than 300 s", "stale"],
    ["over another body", "tampered"],
  ])("refuses a signature %s", (_what, kind) => {
    const payload = event("payment_intent.succeeded", intent());
    const header =
      kind === "other"
        ? sign(payload, NOW_SECONDS, "whsec_other")
        : kind === "stale"
          ? sign(payload, NOW_SECONDS - 301)
          : kind === "tampered"
            ? sign(payload.replace("3000", "1"))
            : kind;

    expect(() => verifyProcessorEvent(payload, header, SECRET, { now })).toThrow(
      WebhookSignatureInvalidError,
    );
  });

  it("honours a tighter tolerance", () => {
    const payload = event("payment_intent.succeeded", intent());
    expect(() =>
      verifyProcessorEvent(payload, sign(payload, NOW_SECONDS - 61), SECRET, {
        now,
        toleranceSeconds: 60,
      }),
    ).toThrow(WebhookSignatureInvalidError);
  });

  it("refuses a signed body that is not JSON as a bad signature", () => {
    expect(() => verify("not json")).toThrow(WebhookSignatureInvalidError);
  });
});

describe("verifyProcessorEvent: the event", () => {
  it("parses payment_intent.succeeded with the intent and its metadata", () => {
    expect(verify(event("payment_intent.succeeded", intent()))).toEqual({
      kind: "payment_intent.succeeded",
      id: "evt_1",
      created: NOW_SECONDS,
      paymentIntent: {
        processorPaymentId: "pi_1",
        amount: 3000,
        currency: "EUR",
        orderId: "order-1",
        paymentId: "payment-1",
      },
    });
  });

  it("parses payment_intent.payment_failed with the decline code", () => {
    const failed = intent({
      status: "requires_payment_method",
      last_payment_error: {
        type: "card_error",
        code: "card_declined",
        decline_code: "insufficient_funds",
      },
    });
    expect(verify(event("payment_intent.payment_failed", failed))).toMatchObject({
      kind: "payment_intent.payment_failed",
      paymentIntent: { processorPaymentId: "pi_1", orderId: "order-1" },
      declineCode: "insufficient_funds",
    });
  });

  it("parses charge.refunded with this API's refunds, oldest first", () => {
    const charge = {
      id: "ch_1",
      object: "charge",
      payment_intent: "pi_1",
      amount: 3000,
      amount_refunded: 1500,
      refunds: {
        object: "list",
        data: [
          {
            id: "re_2",
            amount: 500,
            status: "pending",
            metadata: { orderId: "order-1", refundId: "refund-2" },
          },
          { id: "re_dashboard", amount: 0, status: "succeeded", metadata: {} },
          {
            id: "re_1",
            amount: 1000,
            status: "succeeded",
            metadata: { orderId: "order-1", refundId: "refund-1" },
          },
        ],
      },
    };
    expect(verify(event("charge.refunded", charge))).toEqual({
      kind: "charge.refunded",
      id: "evt_1",
      created: NOW_SECONDS,
      processorPaymentId: "pi_1",
      refunds: [
        {
          processorRefundId: "re_1",
          amount: 1000,
          status: "succeeded",
          orderId: "order-1",
          refundId: "refund-1",
        },
        {
          processorRefundId: "re_2",
          amount: 500,
          status: "pending",
          orderId: "order-1",
          refundId: "refund-2",
        },
      ],
    });
  });

  it("parses a charge.refunded that does not list its refunds (not expanded) with none", () => {
    const charge = { id: "ch_1", object: "charge", payment_intent: "pi_1" };
    expect(verify(event("charge.refunded", charge))).toMatchObject({ refunds: [] });
  });

  it("ignores an event of another type", () => {
    expect(verify(event("customer.created", { id: "cus_1" }))).toEqual({
      kind: "ignored",
      id: "evt_1",
      type: "customer.created",
    });
  });

  it("ignores an intent this API did not create (no orderId and paymentId)", () => {
    expect(verify(event("payment_intent.succeeded", intent({ metadata: {} })))).toMatchObject({
      kind: "ignored",
    });
  });

  it("refuses a signed event of a known type with another shape, naming the field", () => {
    expect(() => verify(event("payment_intent.succeeded", intent({ amount: "3000" })))).toThrow(
      new ProcessorEventInvalidError("Unexpected payment_intent.succeeded shape: amount"),
    );
  });
});
