import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import {
  LOCAL_PROCESSOR_API_KEY,
  LOCAL_PROCESSOR_WEBHOOK_SECRET,
  type ProcessorEmulator,
  startProcessorEmulator,
} from "../../../lib/local/processor-emulator/processor-emulator";
import {
  chargesOf as chargesOfOrder,
  outboxCaughtUp,
  pendingOrder,
  publishedAbout as publishedIn,
} from "../../support/card-payment-requests";
import { type ApiAnswer, ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";
import { until } from "../../support/within";

/**
 * The hardest cells of the card-payment fault matrix, through a real
 * `npm start`: the process is SIGKILLed while the processor holds its charge,
 * the charge then completes (the processor charged, the API never heard),
 * and `npm start` is restarted on the same port over the same DynamoDB. The
 * processor emulator is the test's own, outside the killed process tree, so
 * it survives the kill and counts every charge. Webhooks stay held at the
 * emulator (no URL) unless a cell delivers them, so only the API's own
 * retries and its reconciler can settle anything.
 */

jest.setTimeout(120_000);

const PAY_WITH = { paymentMethod: "pm_card_visa" };

let processor: ProcessorEmulator;
let outboxFile: string;
let server: LocalApiProcess | undefined;
const run = randomUUID().slice(0, 8);
const tables = {
  IDEMPOTENCY_TABLE_NAME: `card-chaos-idempotency-${run}`,
  DATA_TABLE_NAME: `card-chaos-data-${run}`,
};

beforeAll(async () => {
  processor = await startProcessorEmulator({
    apiKey: LOCAL_PROCESSOR_API_KEY,
    webhookSecret: LOCAL_PROCESSOR_WEBHOOK_SECRET,
  });
  // One file across the kill and the restart: both processes append to it.
  outboxFile = join(mkdtempSync(join(tmpdir(), "card-chaos-")), "outbox-events.jsonl");
});
afterEach(async () => {
  await server?.kill();
  server = undefined;
  processor.clearFaults();
  processor.holdWebhooks();
});
afterAll(() => processor?.close());

/** What both runs of `npm start` get: the same port, processor, sink and secrets. */
async function environmentWith(settings: Record<string, string>): Promise<Record<string, string>> {
  return {
    PORT: String(await findFreePort()),
    JWT_SECRET: TEST_JWT_SECRET,
    PAYMENT_PROCESSOR_URL: processor.url,
    PAYMENT_PROCESSOR_API_KEY: LOCAL_PROCESSOR_API_KEY,
    PAYMENT_PROCESSOR_WEBHOOK_SECRET: LOCAL_PROCESSOR_WEBHOOK_SECRET,
    OUTBOX_SINK_FILE: outboxFile,
    // Tables of this file's own on the tier's DynamoDB Local: the reconciler
    // here resumes only these payments (with this emulator), and other
    // files' reconcilers never resume these.
    ...tables,
    // A short invocation: the killed attempt's lease (remaining time + 1 s) runs out soon.
    FUNCTION_TIMEOUT_SECONDS: "5",
    ...settings,
  };
}

const startNpm = (environment: Record<string, string>) =>
  startLocalApiProcess(environment, { via: "npm-start" });

const chargesOf = (orderId: string) => chargesOfOrder(processor, orderId);

const statusOf = async (caller: ApiCaller, orderId: string) =>
  (await caller.get(`/orders/${orderId}`)).body.status;

interface KilledPayment {
  readonly caller: ApiCaller;
  readonly orderId: string;
  /** The logical request: the same key and body on every attempt. */
  readonly pay: () => Promise<ApiAnswer>;
  readonly environment: Record<string, string>;
}

/**
 * Starts `npm start`, sends a card payment the processor holds, SIGKILLs the
 * process tree once the payment is at the processor, lets the held charge
 * complete and restarts `npm start` on the same port.
 */
async function killedWhileTheProcessorHoldsTheCharge(
  settings: Record<string, string>,
): Promise<KilledPayment> {
  const environment = await environmentWith(settings);
  server = await startNpm(environment);
  const caller = new ApiCaller(server.url, `card-chaos-${randomUUID()}`);
  const orderId = await pendingOrder(caller);
  const key = randomUUID();
  const pay = () => caller.post(`/orders/${orderId}/payments`, PAY_WITH, { key });
  processor.injectFault({ kind: "hang", times: 1 });

  // What ended the request: an answer (its status) or the kill ("cut off").
  const cutOff = pay().then(
    (answer) => answer.status,
    () => "cut off",
  );
  // Phase 1 is committed (payment_pending) and the charge is held at the processor.
  await until(
    async () => (await statusOf(caller, orderId)) === "payment_pending",
    10_000,
    "the order going payment_pending",
  );
  await server.kill();
  const ended = await cutOff;
  const held = processor.releaseHeld();
  await until(() => chargesOf(orderId).length > 0, 5_000, "the held charge completing");

  // The kill, not an answer, ended the request; the charge was held when it came.
  expect(ended).toBe("cut off");
  expect(held).toBe(1);
  server = await startNpm(environment);
  return { caller, orderId, pay, environment };
}

/** Retries the same request until an answer that is not "try again later". */
async function retryUntilDefinitive(
  pay: () => Promise<ApiAnswer>,
  ms: number,
): Promise<{ answer: ApiAnswer; retried: string[] }> {
  const deadline = Date.now() + ms;
  // Each "try again later" met on the way: its status and problem type.
  const retried: string[] = [];
  for (;;) {
    const answer = await pay();
    const retryAfter = answer.headers.get("retry-after");
    if (![409, 503].includes(answer.status) || retryAfter === null) return { answer, retried };
    if (Date.now() > deadline) throw new Error(`no definitive answer within ${ms} ms`);
    retried.push(`${answer.status} ${answer.body.type ?? ""}`);
    // Retry-After as a client honours it, capped: the lease ends within seconds.
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number(retryAfter), 1) * 1_000));
  }
}

/** The processor's events about an order, oldest first. */
const eventsAbout = (orderId: string) =>
  processor.events().filter(({ event }) => event.data.object.metadata.orderId === orderId);

/**
 * Delivers every held event to the restarted server (oldest first, as the
 * processor retries them), then each again twice, newest first; expects
 * every delivery acknowledged. Returns how many events there were.
 */
async function deliverLateTwiceOutOfOrder(orderId: string, port: string): Promise<number> {
  const events = eventsAbout(orderId);
  expect(events.length).toBeGreaterThan(0);
  processor.resumeWebhooks(`http://127.0.0.1:${port}/webhooks/processor`);
  await processor.webhooksSettled();
  for (const { event } of [...events].reverse()) {
    await processor.deliverEvent(event.id, { times: 2 });
  }
  const deliveries = eventsAbout(orderId).flatMap(({ attempts }) => attempts);
  expect(deliveries.map(({ status }) => status)).toEqual(deliveries.map(() => 200));
  expect(deliveries).toHaveLength(events.length * 3);
  return events.length;
}

const publishedAbout = (subject: string) => publishedIn(outboxFile, subject);

/** Settled state of the order as seen through the API. */
async function expectPaidOnce(caller: ApiCaller, orderId: string, answer: ApiAnswer) {
  const charges = chargesOf(orderId);
  expect(charges).toHaveLength(1);
  expect(answer.status).toBe(201);
  expect(answer.body).toMatchObject({
    orderId,
    method: "card",
    amount: 3000,
    status: "succeeded",
    processorPaymentId: charges[0]?.id,
  });
  expect(await statusOf(caller, orderId)).toBe("paid");
  expect((await caller.get(`/orders/${orderId}/payment`)).body).toEqual(answer.body);
  await outboxCaughtUp(caller, outboxFile);
  expect(publishedAbout(orderId).filter((type) => type === "order.paid")).toHaveLength(1);
}

describe("a card payment across a SIGKILL of npm start while the processor holds the charge", () => {
  it("the client's retry with the same key settles it: 201, one charge, order paid, one order.paid", async () => {
    // The reconciler never runs here: only the client's retry can settle it.
    const { caller, orderId, pay } = await killedWhileTheProcessorHoldsTheCharge({
      RECONCILER_INTERVAL_SECONDS: "3600",
    });

    const { answer, retried } = await retryUntilDefinitive(pay, 30_000);
    const again = await pay();

    expect(answer.headers.get("idempotent-replayed")).toBeNull();
    await expectPaidOnce(caller, orderId, answer);
    // Before it only the killed attempt's lease, while it lasted: the processor replayed at once.
    expect(retried).toEqual(
      retried.map(() => "409 https://payments.example.com/problems/idempotency-key-in-progress"),
    );
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.text).toBe(answer.text);
    expect(chargesOf(orderId)).toHaveLength(1);
  });

  it("abandoned by its client: the restarted server's reconciler settles it; the late retry replays", async () => {
    const { caller, orderId, pay } = await killedWhileTheProcessorHoldsTheCharge({
      RECONCILE_AFTER_SECONDS: "0",
      RECONCILER_INTERVAL_SECONDS: "1",
    });

    // No retry: once the killed attempt's lease ends, the reconciler resumes it.
    await until(async () => (await statusOf(caller, orderId)) === "paid", 30_000, "the order paid");
    const settled = await caller.get(`/orders/${orderId}/payment`);
    const late = await pay();

    expect(late.headers.get("idempotent-replayed")).toBe("true");
    expect(late.body).toEqual(settled.body);
    await expectPaidOnce(caller, orderId, late);
  });

  it("its webhooks, held through it, then delivered late, twice and in reverse order, change nothing", async () => {
    const { caller, orderId, pay, environment } = await killedWhileTheProcessorHoldsTheCharge({
      RECONCILER_INTERVAL_SECONDS: "3600",
    });
    const { answer } = await retryUntilDefinitive(pay, 30_000);
    await expectPaidOnce(caller, orderId, answer);
    const order = (await caller.get(`/orders/${orderId}`)).body;

    await deliverLateTwiceOutOfOrder(orderId, environment.PORT ?? "");

    expect((await caller.get(`/orders/${orderId}`)).body).toEqual(order);
    await expectPaidOnce(caller, orderId, answer);
    expect((await pay()).text).toBe(answer.text);
  });

  it("its webhooks, delivered after the restart but before the client's retry, settle it; the retry answers from it", async () => {
    const { caller, orderId, pay, environment } = await killedWhileTheProcessorHoldsTheCharge({
      RECONCILER_INTERVAL_SECONDS: "3600",
    });

    // The events reach the restarted server while the killed attempt's lease may still run.
    await deliverLateTwiceOutOfOrder(orderId, environment.PORT ?? "");
    const settledByWebhook = await caller.get(`/orders/${orderId}/payment`);
    const { answer } = await retryUntilDefinitive(pay, 30_000);

    expect(settledByWebhook.body).toMatchObject({
      status: "succeeded",
      processorPaymentId: chargesOf(orderId)[0]?.id,
    });
    expect(answer.body).toEqual(settledByWebhook.body);
    await expectPaidOnce(caller, orderId, answer);
    expect((await pay()).headers.get("idempotent-replayed")).toBe("true");
  });
});
