import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import {
  type ProcessorEmulator,
  startProcessorEmulator,
} from "../../../lib/local/processor-emulator/processor-emulator";

// Webhook deliveries over HTTP (at least once, bounded retries) and the
// emulator's controls over HTTP, as a test drives an emulator in another
// process (`npm start`).

const API_KEY = "sk_test_controls";
const SECRET = "whsec_controls";

interface Received {
  readonly body: string;
  readonly signature: string;
}

/** A webhook endpoint answering from a script of statuses (the last repeats). */
async function startReceiver(statuses: number[]) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: String(request.headers["stripe-signature"]),
      });
      const status = statuses.length > 1 ? (statuses.shift() ?? 200) : (statuses[0] ?? 200);
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/processor`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function clientFor(emulator: ProcessorEmulator): Stripe {
  return new Stripe(API_KEY, {
    host: "127.0.0.1",
    port: emulator.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
}

const card = {
  amount: 2500,
  currency: "eur",
  payment_method: "pm_card_visa",
  confirm: true,
  automatic_payment_methods: { enabled: true, allow_redirects: "never" as const },
  metadata: { orderId: "order-1", paymentId: "payment-1" },
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setUp(statuses: number[], options: { maxAttempts?: number; held?: boolean } = {}) {
  const receiver = await startReceiver(statuses);
  closers.push(receiver.close);
  const emulator = await startProcessorEmulator({
    apiKey: API_KEY,
    webhookSecret: SECRET,
    webhookUrl: receiver.url,
    webhookRetryDelayMs: 5,
    ...(options.maxAttempts === undefined ? {} : { webhookMaxAttempts: options.maxAttempts }),
  });
  closers.push(() => emulator.close());
  if (options.held) emulator.holdWebhooks();
  return { receiver, emulator, stripe: clientFor(emulator) };
}

describe("webhook deliveries", () => {
  it("retries a delivery answered non-2xx until one is 2xx, each one signed and byte-identical", async () => {
    const { receiver, emulator, stripe } = await setUp([404, 500, 204]);

    const intent = await stripe.paymentIntents.create(card);
    await emulator.webhooksSettled();

    const [event] = emulator.events();
    expect(event?.attempts.map((it) => it.status)).toEqual([404, 500, 204]);
    expect(event?.delivered).toBe(true);
    expect(new Set(receiver.received.map((it) => it.body)).size).toBe(1);
    for (const { body, signature } of receiver.received) {
      const verified = Stripe.webhooks.constructEvent(body, signature, SECRET);
      expect(verified).toMatchObject({
        type: "payment_intent.succeeded",
        data: { object: { id: intent.id } },
      });
    }
  });

  it("gives up after the bounded number of attempts", async () => {
    const { receiver, emulator, stripe } = await setUp([404], { maxAttempts: 3 });

    await stripe.paymentIntents.create(card);
    await emulator.webhooksSettled();

    expect(receiver.received).toHaveLength(3);
    expect(emulator.events()[0]?.attempts.map((it) => it.status)).toEqual([404, 404, 404]);
    expect(emulator.events()[0]?.delivered).toBe(false);
  });

  it("holds events, then delivers what the test asks: twice, out of order, with bad or stale signatures", async () => {
    const { receiver, emulator, stripe } = await setUp([200], { held: true });
    const first = await stripe.paymentIntents.create(card);
    await stripe.refunds.create({ payment_intent: first.id, amount: 100 });
    const [succeeded, refunded] = emulator.events();
    if (!succeeded || !refunded) throw new Error("expected two events");
    expect(receiver.received).toHaveLength(0);

    await emulator.deliverEvent(refunded.event.id);
    await emulator.deliverEvent(succeeded.event.id, { times: 2 });
    await emulator.deliverEvent(succeeded.event.id, { signature: "bad" });
    await emulator.deliverEvent(succeeded.event.id, { signature: "stale" });

    const types = receiver.received.map((it) => (JSON.parse(it.body) as { type: string }).type);
    expect(types).toEqual([
      "charge.refunded",
      "payment_intent.succeeded",
      "payment_intent.succeeded",
      "payment_intent.succeeded",
      "payment_intent.succeeded",
    ]);
    const verdicts = receiver.received.map(({ body, signature }) => {
      try {
        Stripe.webhooks.constructEvent(body, signature, SECRET);
        return "valid";
      } catch {
        return "refused";
      }
    });
    expect(verdicts).toEqual(["valid", "valid", "valid", "refused", "refused"]);
  });

  it("resumes held deliveries", async () => {
    const { receiver, emulator, stripe } = await setUp([200], { held: true });
    await stripe.paymentIntents.create(card);
    expect(receiver.received).toHaveLength(0);

    emulator.resumeWebhooks();
    await emulator.webhooksSettled();

    expect(receiver.received).toHaveLength(1);
    expect(emulator.events().map((it) => it.delivered)).toEqual([true]);
  });
});

describe("latency", () => {
  it("adds latencyMs to every answer: a caller with a shorter timeout gets none", async () => {
    const emulator = await startProcessorEmulator({
      apiKey: API_KEY,
      webhookSecret: SECRET,
      latencyMs: 300,
    });
    closers.push(() => emulator.close());
    const stripe = clientFor(emulator);

    await expect(stripe.paymentIntents.create(card, { timeout: 50 })).rejects.toBeInstanceOf(
      Stripe.errors.StripeConnectionError,
    );
    expect((await stripe.paymentIntents.create(card, { timeout: 5_000 })).status).toBe("succeeded");
  });
});

describe("controls over HTTP", () => {
  const control = (emulator: ProcessorEmulator, path: string, body?: unknown) =>
    fetch(`${emulator.url}/__emulator/${path}`, {
      method: body === undefined && !path.includes("/") ? "GET" : "POST",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("arms faults, counts charges per key, and lists intents", async () => {
    const { emulator, stripe } = await setUp([200], { held: true });
    const armed = await control(emulator, "faults", {
      kind: "server-error",
      path: "/v1/payment_intents",
    });
    expect(armed.status).toBe(204);

    await expect(
      stripe.paymentIntents.create(card, { idempotencyKey: "k-1" }),
    ).rejects.toMatchObject({
      statusCode: 500,
    });
    await stripe.paymentIntents.create(card, { idempotencyKey: "k-1" });

    const counts = await (
      await fetch(`${emulator.url}/__emulator/counts?idempotencyKey=k-1`)
    ).json();
    expect(counts).toEqual({ charges: 1, refunds: 0 });
    const intents = (await (await fetch(`${emulator.url}/__emulator/payment_intents`)).json()) as {
      data: unknown[];
    };
    expect(intents.data).toHaveLength(1);
  });

  it("refuses a malformed fault, naming the field", async () => {
    const { emulator } = await setUp([200], { held: true });

    const answer = await control(emulator, "faults", { kind: "slow" });

    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("delayMs");
  });

  it("holds a request with hang until released", async () => {
    const { emulator, stripe } = await setUp([200], { held: true });
    await control(emulator, "faults", { kind: "hang" });

    const pending = stripe.paymentIntents.create(card, { idempotencyKey: "k-hang" });
    // The held request counts as in progress for its key.
    await expect(
      stripe.paymentIntents.create(card, { idempotencyKey: "k-hang" }),
    ).rejects.toMatchObject({
      statusCode: 409,
      rawType: "idempotency_error",
    });
    const released = await (await control(emulator, "held/release", {})).json();

    expect(released).toEqual({ released: 1 });
    expect((await pending).status).toBe("succeeded");
  });

  it("ends a held request when it closes: the caller sees a dropped connection, nothing is charged", async () => {
    const { emulator, stripe } = await setUp([200], { held: true });
    emulator.injectFault({ kind: "hang" });

    const pending = stripe.paymentIntents.create(card, { idempotencyKey: "k-closed" });
    // Held for sure: its key is in progress.
    await expect(
      stripe.paymentIntents.create(card, { idempotencyKey: "k-closed" }),
    ).rejects.toMatchObject({
      statusCode: 409,
    });
    await emulator.close();

    await expect(pending).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(emulator.chargesCreated()).toBe(0);
  });

  it("delivers an event on request and hands out a signed copy", async () => {
    const { receiver, emulator, stripe } = await setUp([200], { held: true });
    await stripe.paymentIntents.create(card);
    const { data } = (await (await fetch(`${emulator.url}/__emulator/events`)).json()) as {
      data: Array<{ event: { id: string } }>;
    };
    const id = data[0]?.event.id ?? "";

    const delivered = await (await control(emulator, `events/${id}/deliver`, { times: 2 })).json();
    expect(delivered).toEqual({
      attempts: [
        { status: 200, signature: "valid" },
        { status: 200, signature: "valid" },
      ],
    });
    expect(receiver.received).toHaveLength(2);

    const signed = (await (
      await fetch(`${emulator.url}/__emulator/events/${id}/signed?signature=stale`)
    ).json()) as {
      payload: string;
      headers: { "stripe-signature": string };
    };
    expect(() =>
      Stripe.webhooks.constructEvent(signed.payload, signed.headers["stripe-signature"], SECRET),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });
});
