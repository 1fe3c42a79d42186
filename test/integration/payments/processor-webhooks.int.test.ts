import { randomUUID } from "node:crypto";
import type { ProcessorEmulator } from "../../../lib/local/processor-emulator/processor-emulator";
import {
  cardPayment,
  outboxCaughtUp,
  pendingOrder,
  publishedAbout as publishedIn,
} from "../../support/card-payment-requests";
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

const eventsAbout = (orderId: string, type: string) =>
  processor
    .events()
    .filter((emulated) => emulated.event.type === type)
    .filter((emulated) => JSON.stringify(emulated.event.data.object).includes(orderId));

/** The outbox events published about an order, once the publisher caught up. */
async function publishedAbout(caller: ApiCaller, orderId: string): Promise<string[]> {
  await outboxCaughtUp(caller, outboxFile);
  return publishedIn(outboxFile, orderId);
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
    expect(await publishedAbout(alice, orderId)).toEqual(["order.created", "order.paid"]);
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
    expect(await publishedAbout(alice, orderId)).toEqual(["order.created", "order.paid"]);
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
