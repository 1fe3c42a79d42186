import Stripe from "stripe";
import {
  type ProcessorEmulator,
  startProcessorEmulator,
} from "../../../lib/local/processor-emulator/processor-emulator";

// The emulator validated against the official client: if Stripe's client
// accepts its answers, signatures and faults as it would Stripe's, the
// adapter's tests against the emulator say something about Stripe.

const API_KEY = "sk_test_emulator";
const WEBHOOK_SECRET = "whsec_emulator_test";

let processor: ProcessorEmulator;
let stripe: Stripe;

beforeAll(async () => {
  processor = await startProcessorEmulator({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET });
  stripe = clientFor(processor.url, { maxNetworkRetries: 2 });
});
afterAll(() => processor.close());
afterEach(() => processor.clearFaults());

function clientFor(url: string, config: { maxNetworkRetries?: number; apiKey?: string } = {}) {
  const { hostname, port, protocol } = new URL(url);
  return new Stripe(config.apiKey ?? API_KEY, {
    host: hostname,
    port,
    protocol: protocol === "https:" ? "https" : "http",
    maxNetworkRetries: config.maxNetworkRetries ?? 0,
    telemetry: false,
  });
}

function newKey(): string {
  return `test-${crypto.randomUUID()}`;
}

const card = (paymentMethod = "pm_card_visa", amount = 3000) => ({
  amount,
  currency: "eur",
  payment_method: paymentMethod,
  confirm: true,
  automatic_payment_methods: { enabled: true, allow_redirects: "never" as const },
  metadata: { orderId: "order-1", paymentId: "payment-1" },
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("payment intents", () => {
  it("creates a succeeded intent with Stripe's shape and the metadata sent", async () => {
    const intent = await stripe.paymentIntents.create(card(), { idempotencyKey: newKey() });

    expect(intent).toMatchObject({
      object: "payment_intent",
      amount: 3000,
      currency: "eur",
      status: "succeeded",
      payment_method: "pm_card_visa",
      metadata: { orderId: "order-1", paymentId: "payment-1" },
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.latest_charge).toMatch(/^ch_/);
    expect(intent.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    const retrieved = await stripe.paymentIntents.retrieve(intent.id);
    expect(retrieved.id).toBe(intent.id);
    expect(retrieved.status).toBe("succeeded");
  });

  it("accepts cards only instead of no redirects, and refuses a confirm that could redirect", async () => {
    const { automatic_payment_methods: _, ...withoutTypes } = card();
    const intent = await stripe.paymentIntents.create({
      ...withoutTypes,
      allowed_payment_method_types: ["card"],
    });
    expect(intent.status).toBe("succeeded");

    const error = await rejection(stripe.paymentIntents.create(withoutTypes));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ param: "return_url" });
  });

  it("replays the first answer for the same key and parameters: one charge", async () => {
    const key = newKey();
    const first = await stripe.paymentIntents.create(card(), { idempotencyKey: key });
    const again = await stripe.paymentIntents.create(card(), { idempotencyKey: key });

    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(processor.chargesCreated(key)).toBe(1);
  });

  it("refuses the same key with other parameters (StripeIdempotencyError)", async () => {
    const key = newKey();
    await stripe.paymentIntents.create(card(), { idempotencyKey: key });

    const error = await rejection(
      stripe.paymentIntents.create(card("pm_card_visa", 9999), { idempotencyKey: key }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: "StripeIdempotencyError" });
    expect(processor.chargesCreated(key)).toBe(1);
  });

  it.each([
    ["pm_card_chargeDeclined", "generic_decline"],
    ["pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"],
  ])(
    "declines %s with a StripeCardError carrying %s, and replays the decline",
    async (method, code) => {
      const key = newKey();
      const error = await rejection(
        stripe.paymentIntents.create(card(method), { idempotencyKey: key }),
      );

      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: code });
      const intent = (error as Stripe.errors.StripeCardError).payment_intent;
      expect(intent?.status).toBe("requires_payment_method");
      expect(intent?.id).toMatch(/^pi_/);

      const replayed = await rejection(
        stripe.paymentIntents.create(card(method), { idempotencyKey: key }),
      );
      expect(replayed).toMatchObject({
        decline_code: code,
        headers: { "idempotent-replayed": "true" },
      });
      expect(processor.chargesCreated(key)).toBe(1);
    },
  );

  it("refuses a wrong API key with Stripe's authentication error", async () => {
    const error = await rejection(
      clientFor(processor.url, { apiKey: "sk_test_wrong" }).paymentIntents.create(card()),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe("the client's own retries", () => {
  it("retries an injected 500 with the same key: one charge", async () => {
    const key = newKey();
    processor.injectFault({ kind: "server-error", path: "/v1/payment_intents" });

    const intent = await stripe.paymentIntents.create(card(), { idempotencyKey: key });

    expect(intent.status).toBe("succeeded");
    expect(intent.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(processor.chargesCreated(key)).toBe(1);
  });

  it("retries a dropped connection after the charge: the replay, still one charge", async () => {
    const key = newKey();
    processor.injectFault({ kind: "charge-then-drop", path: "/v1/payment_intents" });

    const intent = await stripe.paymentIntents.create(card(), { idempotencyKey: key });

    expect(intent.status).toBe("succeeded");
    expect(intent.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(processor.chargesCreated(key)).toBe(1);
    expect(processor.paymentIntents().filter((it) => it.id === intent.id)).toHaveLength(1);
  });

  it("retries a 500 after the charge: the replay, still one charge", async () => {
    const key = newKey();
    processor.injectFault({ kind: "charge-then-server-error", path: "/v1/payment_intents" });

    const intent = await stripe.paymentIntents.create(card(), { idempotencyKey: key });

    expect(intent.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(processor.chargesCreated(key)).toBe(1);
  });

  it("gives up after its retries with a StripeAPIError when every attempt fails", async () => {
    const key = newKey();
    processor.injectFault({ kind: "server-error", times: 3 });

    const error = await rejection(stripe.paymentIntents.create(card(), { idempotencyKey: key }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error).toMatchObject({ statusCode: 500 });
    expect(processor.chargesCreated(key)).toBe(0);
  });
});

describe("refunds", () => {
  it("refunds part, then the rest, and refuses more than is left", async () => {
    const intent = await stripe.paymentIntents.create(card("pm_card_visa", 3000));
    const refundKey = newKey();

    const refund = await stripe.refunds.create(
      { payment_intent: intent.id, amount: 1000, metadata: { orderId: "order-1", refundId: "r1" } },
      { idempotencyKey: refundKey },
    );
    expect(refund).toMatchObject({
      object: "refund",
      amount: 1000,
      payment_intent: intent.id,
      status: "succeeded",
    });
    expect(refund.id).toMatch(/^re_/);
    const replayed = await stripe.refunds.create(
      { payment_intent: intent.id, amount: 1000, metadata: { orderId: "order-1", refundId: "r1" } },
      { idempotencyKey: refundKey },
    );
    expect(replayed.id).toBe(refund.id);
    expect(processor.refundsCreated(refundKey)).toBe(1);

    const tooMuch = await rejection(
      stripe.refunds.create({ payment_intent: intent.id, amount: 2001 }),
    );
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooMuch).toMatchObject({ statusCode: 400, param: "amount" });

    const rest = await stripe.refunds.create({ payment_intent: intent.id, amount: 2000 });
    expect(rest.amount).toBe(2000);
    const nothingLeft = await rejection(
      stripe.refunds.create({ payment_intent: intent.id, amount: 1 }),
    );
    expect(nothingLeft).toMatchObject({ statusCode: 400, code: "charge_already_refunded" });
    expect(processor.refunds().filter((it) => it.payment_intent === intent.id)).toHaveLength(2);
  });
});

describe("webhook events", () => {
  it("signs events so that stripe.webhooks.constructEvent accepts them", async () => {
    const intent = await stripe.paymentIntents.create(card());
    const emitted = processor.events().find(({ event }) => event.data.object.id === intent.id);
    if (!emitted) throw new Error("no event for the intent");
    expect(emitted.event.type).toBe("payment_intent.succeeded");
    expect(emitted.event.id).toMatch(/^evt_/);

    const { payload, headers } = processor.signedEvent(emitted.event.id);
    const event = stripe.webhooks.constructEvent(
      payload,
      headers["stripe-signature"],
      WEBHOOK_SECRET,
    );
    expect(event.id).toBe(emitted.event.id);
    expect(event.type).toBe("payment_intent.succeeded");
  });

  it("queues payment_failed and charge.refunded events with the objects' metadata", async () => {
    await rejection(stripe.paymentIntents.create(card("pm_card_chargeDeclined")));
    const failed = processor.events().at(-1)?.event;
    expect(failed?.type).toBe("payment_intent.payment_failed");

    const intent = await stripe.paymentIntents.create(card());
    await stripe.refunds.create({
      payment_intent: intent.id,
      amount: 500,
      metadata: { refundId: "r9" },
    });
    const refunded = processor.events().at(-1)?.event;
    expect(refunded?.type).toBe("charge.refunded");
    expect(refunded?.data.object).toMatchObject({
      object: "charge",
      payment_intent: intent.id,
      amount_refunded: 500,
      refunds: { data: [{ amount: 500, metadata: { refundId: "r9" } }] },
    });
  });

  it.each(["bad", "stale"] as const)(
    "signs a %s delivery so that constructEvent refuses it",
    async (kind) => {
      const intent = await stripe.paymentIntents.create(card());
      const emitted = processor.events().find(({ event }) => event.data.object.id === intent.id);
      if (!emitted) throw new Error("no event for the intent");

      const { payload, headers } = processor.signedEvent(emitted.event.id, kind);
      expect(() =>
        stripe.webhooks.constructEvent(payload, headers["stripe-signature"], WEBHOOK_SECRET),
      ).toThrow(Stripe.errors.StripeSignatureVerificationError);
    },
  );

  it("refuses a tampered payload", async () => {
    const intent = await stripe.paymentIntents.create(card());
    const emitted = processor.events().find(({ event }) => event.data.object.id === intent.id);
    if (!emitted) throw new Error("no event for the intent");

    const { payload, headers } = processor.signedEvent(emitted.event.id);
    const tampered = payload.replace('"amount":3000', '"amount":1');
    expect(tampered).not.toBe(payload);
    expect(() =>
      stripe.webhooks.constructEvent(tampered, headers["stripe-signature"], WEBHOOK_SECRET),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });
});
