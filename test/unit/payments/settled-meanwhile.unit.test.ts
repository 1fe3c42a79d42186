import { type InMemoryWrite, makeIdempotent } from "../../../functions/idempotency";
import type { ProcessorEvent } from "../../../functions/processor/processor-events";
import { reconcileUnsettled } from "../../../functions/reconciler/reconcile-unsettled";
import {
  applyProcessorEvent,
  type WebhookOutcome,
} from "../../../functions/webhooks/apply-processor-event";
import { afterFirstRead } from "../../support/after-first-read";
import { CardPaymentWorld, SETTLE_AFTER_MS } from "../../support/card-payment-world";
import { DECLINED_CARD } from "../../support/fake-payment-processor";

/**
 * Races the card-payment model found (test/unit/payments/card-payment-model):
 * a payment the client's retry settles while the webhook or the reconciler
 * is between its reads is settled, not an error; a payment a webhook
 * settles while its attempt is at the processor gives that attempt its
 * answer. Each is replayed here as one fixed interleaving.
 */

const ORDER_ID = "01JORDER0000000000000000A1";

/** A card payment whose answer was lost after the charge: processing, its record at `started`. */
async function paymentWithLostAnswer(): Promise<CardPaymentWorld> {
  const world = new CardPaymentWorld();
  await world.createOrder(ORDER_ID, "alice", 1_000);
  const lost = await world.clientAttempt("alice", ORDER_ID, "k", "unknown-after-charging");
  expect(lost).toMatchObject({ statusCode: 503 });
  return world;
}

const retry = (world: CardPaymentWorld) => async () => {
  expect(await world.clientAttempt("alice", ORDER_ID, "k", "completes")).toMatchObject({
    statusCode: 201,
  });
};

describe("a payment settled by its retry meanwhile", () => {
  it("is a no-op for its webhook event that read before, not a 409", async () => {
    const world = await paymentWithLostAnswer();
    const [event] = world.processor.events();
    if (!event) throw new Error("no event");
    const deliver = makeIdempotent<ProcessorEvent, WebhookOutcome, InMemoryWrite>(
      (payload, handle) =>
        applyProcessorEvent(payload, handle, {
          // The retry completes right after the webhook's first read.
          orders: afterFirstRead(world.orders, ["find", "findPayment"], retry(world)),
          now: world.now,
          remainingTimeMs: () => 10_000,
          correlationId: "webhook",
        }),
      {
        store: world.store,
        strategy: "commit",
        scope: "processor-webhooks",
        keyOf: (payload) => payload.id,
        now: () => world.now().getTime(),
      },
    );

    await expect(deliver(event)).resolves.toEqual({ value: { applied: false }, replayed: false });
    expect((await world.orders.find(ORDER_ID))?.status).toBe("paid");
    expect(world.orders.outbox().filter((written) => written.type === "order.paid")).toHaveLength(
      1,
    );
  });

  it("answers its client from the payment a webhook settled while it was at the processor", async () => {
    const world: CardPaymentWorld = new CardPaymentWorld({
      // The charge's event is applied before its answer reaches the attempt.
      interpose: (processor) =>
        afterFirstRead(processor, ["charge"], async () => {
          const [event] = world.processor.events();
          if (!event) throw new Error("no event");
          expect(await world.deliver(event)).toEqual({ applied: true });
        }),
    });
    await world.createOrder(ORDER_ID, "alice", 1_000);

    const answer = await world.clientAttempt("alice", ORDER_ID, "k", "completes");

    const [charge] = world.processor.charges();
    expect(answer).toMatchObject({
      statusCode: 201,
      replayed: false,
      body: { status: "succeeded", processorPaymentId: charge?.id },
    });
    expect(world.orders.outbox().filter((written) => written.type === "order.paid")).toHaveLength(
      1,
    );
    // Its answer is stored: the retry replays it.
    expect(await world.clientAttempt("alice", ORDER_ID, "k", "completes")).toEqual({
      ...answer,
      replayed: true,
    });
  });

  it("is skipped by the reconciler that listed it before, not reported failed", async () => {
    const world = await paymentWithLostAnswer();
    world.advanceClock(SETTLE_AFTER_MS + 1_000);
    const errors: string[] = [];

    const report = await reconcileUnsettled({
      // The retry completes right after the reconciler listed the payment.
      orders: afterFirstRead(world.orders, ["unsettledPayments"], retry(world)),
      processor: world.processor,
      idempotency: { store: world.store, strategy: "lease", now: () => world.now().getTime() },
      now: world.now,
      remainingTimeMs: () => 60_000,
      settleAfterMs: SETTLE_AFTER_MS,
      logger: { info: () => {}, warn: () => {}, error: (message) => errors.push(message) },
      correlationId: "reconciler",
    });

    expect(report).toMatchObject({ settled: 0, skipped: 1, failed: 0, oldestUnsettledAgeMs: 0 });
    expect(errors).toEqual([]);
    expect(world.processor.charges()).toHaveLength(1);
  });
});

describe("a declined payment a webhook settled, replaced by another key's payment", () => {
  // Found by the model: a request resumed from `started` took the order's
  // current payment for its own. Its answer was lost and the webhook applied
  // the decline, so its record stayed in progress; another key then paid the
  // order; the retry answered that other payment's 201. The recovery point
  // now carries the payment's id, and a failed payment is kept by its id.
  it("answers its own decline to the declined request's retry", async () => {
    const world = new CardPaymentWorld();
    await world.createOrder(ORDER_ID, "alice", 1_000);
    const declined = () =>
      world.clientAttempt("alice", ORDER_ID, "declined", "completes", DECLINED_CARD);
    expect(
      await world.clientAttempt(
        "alice",
        ORDER_ID,
        "declined",
        "unknown-after-charging",
        DECLINED_CARD,
      ),
    ).toMatchObject({ statusCode: 503 });
    const [failed] = world.processor.events();
    if (!failed) throw new Error("no event");
    expect(await world.deliver(failed)).toEqual({ applied: true });
    expect(await world.clientAttempt("alice", ORDER_ID, "visa", "completes")).toMatchObject({
      statusCode: 201,
    });

    expect(await declined()).toMatchObject({
      statusCode: 402,
      body: { declineCode: "generic_decline" },
    });
  });
});
