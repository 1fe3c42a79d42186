import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ProcessorEmulator } from "../../../lib/local/processor-emulator/processor-emulator";
import { type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";

/**
 * The processor's webhooks through the local API: the Stripe emulator posts
 * its signed events to POST /webhooks/processor as Stripe does. Each event
 * id is applied once, in any order, never moving a payment backwards, and a
 * payment whose answer was lost is settled by its event before any retry.
 */

jest.setTimeout(60_000);

let api: TestApi;
let processor: ProcessorEmulator;
let outboxFile: string;

beforeAll(async () => {
  outboxFile = `${process.env.TMPDIR ?? "/tmp"}/webhooks-outbox-${randomUUID()}.jsonl`;
  api = await startTestApi({ OUTBOX_SINK_FILE: outboxFile });
  if (!api.processor) throw new Error("the local API started no processor emulator");
  processor = api.processor;
});
afterAll(() => api?.close());
afterEach(async () => {
  processor.clearFaults();
  processor.resumeWebhooks();
  await processor.webhooksSettled();
});

const items = [{ sku: "book", quantity: 2, unitPrice: 1500 }];

async function pendingOrder(caller: ApiCaller): Promise<string> {
  const order = await caller.post("/orders", { currency: "EUR", items });
  if (order.status !== 201) throw new Error(order.text);
  return String(order.body.id);
}

function cardPayment(caller: ApiCaller, orderId: string, paymentMethod = "pm_card_visa") {
  const key = randomUUID();
  return () => caller.post(`/orders/${orderId}/payments`, { paymentMethod }, { key });
}

const eventsAbout = (orderId: string, type: string) =>
  processor
    .events()
    .filter((emulated) => emulated.event.type === type)
    .filter((emulated) => JSON.stringify(emulated.event.data.object).includes(orderId));

/** The outbox events the API published about an order, by type. */
async function publishedAbout(orderId: string): Promise<string[]> {
  // The local publisher appends asynchronously: give it the moment it needs.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  let text = "";
  try {
    text = readFileSync(outboxFile, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; subject: string })
    .filter((event) => event.subject === orderId)
    .map((event) => event.type);
}

describe("processor webhooks", () => {
  it("settle a payment whose answer was lost, before any retry; the retry answers it without a charge more", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const pay = cardPayment(alice, orderId);
    processor.injectFault({ kind: "charge-then-drop", times: 3 });

    const first = await pay();
    await processor.webhooksSettled();
    const settledByEvent = await alice.get(`/orders/${orderId}/payment`);
    processor.clearFaults();
    const retry = await pay();

    expect(first.status).toBe(503);
    expect(settledByEvent.body).toMatchObject({
      status: "succeeded",
      processorPaymentId: expect.stringMatching(/^pi_/),
    });
    expect((await alice.get(`/orders/${orderId}`)).body.status).toBe("paid");
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ status: "succeeded" });
    expect(processor.chargesCreated()).toBeGreaterThan(0);
    expect(
      processor.paymentIntents().filter((intent) => intent.metadata.orderId === orderId),
    ).toHaveLength(1);
    expect(await publishedAbout(orderId)).toEqual(["order.created", "order.paid"]);
  });

  it("apply an event delivered twice once, and a late failure never moves a succeeded payment back", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    processor.holdWebhooks();
    const paid = await cardPayment(alice, orderId)();
    const [succeeded] = eventsAbout(orderId, "payment_intent.succeeded");
    if (!succeeded) throw new Error("no payment_intent.succeeded event");

    const twice = await processor.deliverEvent(succeeded.event.id, { times: 2 });

    expect(paid.status).toBe(201);
    expect(twice.map((attempt) => attempt.status)).toEqual([200, 200]);
    expect((await alice.get(`/orders/${orderId}/payment`)).body.status).toBe("succeeded");
    expect(await publishedAbout(orderId)).toEqual(["order.created", "order.paid"]);
  });

  it("settle a declined payment whose answer was lost as failed; the order is payable again", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const pay = cardPayment(alice, orderId, "pm_card_chargeDeclined");
    processor.injectFault({ kind: "charge-then-drop", times: 3 });

    expect((await pay()).status).toBe(503);
    await processor.webhooksSettled();
    const afterEvent = await alice.get(`/orders/${orderId}`);
    processor.clearFaults();
    const retry = await pay();

    expect(afterEvent.body.status).toBe("pending");
    expect(retry.status).toBe(402);
    expect(retry.body).toMatchObject({ declineCode: "generic_decline" });
    expect((await cardPayment(alice, orderId)()).status).toBe(201);
  });

  it("refuse a bad or stale signature with 400 webhook-signature-invalid and apply nothing", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    processor.holdWebhooks();
    processor.injectFault({ kind: "charge-then-drop", times: 3 });
    expect((await cardPayment(alice, orderId)()).status).toBe(503);
    const [succeeded] = eventsAbout(orderId, "payment_intent.succeeded");
    if (!succeeded) throw new Error("no payment_intent.succeeded event");

    const bad = await processor.deliverEvent(succeeded.event.id, { signature: "bad" });
    const stale = await processor.deliverEvent(succeeded.event.id, { signature: "stale" });
    const unsigned = await fetch(`${api.url}/webhooks/processor`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: succeeded.payload,
    });

    expect([bad[0]?.status, stale[0]?.status, unsigned.status]).toEqual([400, 400, 400]);
    expect(((await unsigned.json()) as { type: string }).type).toBe(
      "https://payments.example.com/problems/webhook-signature-invalid",
    );
    expect((await alice.get(`/orders/${orderId}/payment`)).body.status).toBe("processing");
    expect((await alice.get(`/orders/${orderId}`)).body.status).toBe("payment_pending");
  });
});
