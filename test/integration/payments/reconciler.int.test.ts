import { randomUUID } from "node:crypto";
import type { ProcessorEmulator } from "../../../lib/local/processor-emulator/processor-emulator";
import { chargesOf as chargesOfOrder, pendingOrder } from "../../support/card-payment-requests";
import { startTestApi, type TestApi } from "../../support/http-api";

/**
 * The reconciler (rocket-rides-atomic's completer): a card payment or refund
 * whose client never retried is settled exactly as that client's retry
 * would settle it, and the client's later retry replays the settled answer.
 * Webhooks are held here, so only the reconciler can settle anything.
 */

jest.setTimeout(60_000);

let api: TestApi;
let processor: ProcessorEmulator;

beforeAll(async () => {
  api = await startTestApi({
    // At once, and only when the test says so.
    RECONCILE_AFTER_SECONDS: "0",
    // Tables of this file's own: the reconciler sees every unsettled item of
    // its tables, and other files leave theirs on purpose.
    IDEMPOTENCY_TABLE_NAME: "reconciler-idempotency",
    DATA_TABLE_NAME: "reconciler-data",
  });
  if (!api.processor) throw new Error("the local API started no processor emulator");
  processor = api.processor;
  processor.holdWebhooks();
});
afterAll(() => api?.close());
afterEach(() => processor.clearFaults());

const chargesOf = (orderId: string) => chargesOfOrder(processor, orderId);

interface Report {
  readonly settled: number;
  readonly stillUnknown: number;
  readonly failed: number;
}

describe("the reconciler", () => {
  it("settles a card payment its client abandoned; the client's later retry replays the settled answer", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const key = randomUUID();
    const pay = () =>
      alice.post(`/orders/${orderId}/payments`, { paymentMethod: "pm_card_visa" }, { key });
    // Enough for the client's own retries within each call, and the reconciler's first run.
    processor.injectFault({ kind: "charge-then-drop", times: 20 });
    expect((await pay()).status).toBe(503);

    // The processor still does not answer: nothing settles, nothing is lost.
    const whileDown = (await api.reconcile()) as Report;
    const stillPending = await alice.get(`/orders/${orderId}`);
    processor.clearFaults();
    const run = (await api.reconcile()) as Report;
    const settled = await alice.get(`/orders/${orderId}/payment`);
    const retry = await pay();

    expect(whileDown).toMatchObject({ settled: 0, stillUnknown: 1, failed: 0 });
    expect(stillPending.body.status).toBe("payment_pending");
    expect(run).toMatchObject({ settled: 1, stillUnknown: 0, failed: 0 });
    expect(settled.body).toMatchObject({ status: "succeeded" });
    expect((await alice.get(`/orders/${orderId}`)).body.status).toBe("paid");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(settled.body);
    expect(chargesOf(orderId)).toHaveLength(1);
    // Settled: the next run finds nothing.
    expect(await api.reconcile()).toMatchObject({ settled: 0, stillUnknown: 0, failed: 0 });
  });

  it("settles a card refund its client abandoned, once", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    const paid = await alice.post(`/orders/${orderId}/payments`, { paymentMethod: "pm_card_visa" });
    expect(paid.status).toBe(201);
    const key = randomUUID();
    const refund = () => alice.post(`/orders/${orderId}/refunds`, { amount: 1200 }, { key });
    processor.injectFault({ kind: "charge-then-drop", path: "/v1/refunds", times: 3 });
    expect((await refund()).status).toBe(503);
    processor.clearFaults();

    const run = (await api.reconcile()) as Report;
    const retry = await refund();

    expect(run).toMatchObject({ settled: 1, failed: 0 });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await alice.get(`/orders/${orderId}`)).body).toMatchObject({
      status: "partially_refunded",
      refundedAmount: 1200,
      refundPendingAmount: 0,
    });
    expect(processor.refunds().filter((made) => made.metadata.orderId === orderId)).toHaveLength(1);
  });

  it("leaves alone an attempt whose lease is alive: a client's retry in flight keeps it", async () => {
    const alice = api.caller();
    const orderId = await pendingOrder(alice);
    processor.injectFault({ kind: "hang", times: 1 });
    const inFlight = alice.post(`/orders/${orderId}/payments`, { paymentMethod: "pm_card_visa" });
    // Wait for the attempt to reach the processor (its phase 1 is committed).
    while ((await alice.get(`/orders/${orderId}`)).body.status !== "payment_pending") {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const run = (await api.reconcile()) as Report & { skipped: number };
    processor.releaseHeld();
    const answer = await inFlight;

    expect(run).toMatchObject({ settled: 0, skipped: 1 });
    expect(answer.status).toBe(201);
    expect(chargesOf(orderId)).toHaveLength(1);
  });
});
