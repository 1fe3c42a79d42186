import fc from "fast-check";
import {
  type AttemptFate,
  CardPaymentWorld,
  type ClientAnswer,
  INVOCATION_MS,
  PAYMENT_METHOD,
  SETTLE_AFTER_MS,
} from "../../support/card-payment-world";
import { DECLINED_CARD, type UnknownFault } from "../../support/fake-payment-processor";

/**
 * Model-based properties of card payments (issue 15): any interleaving of
 * client attempts (that complete, crash after a phase, or lose the
 * processor's answer before or after it charged), clock moves past leases,
 * reconciler runs and webhook deliveries (none, one or several of each
 * event, in any order), against the real use cases over the in-memory
 * store and a fake processor with Stripe's idempotency. Besides visa
 * cards, one key per order pays with a card the processor declines, so an
 * order can be declined, then paid under another key, with the decline's
 * events arriving late. After every step: never two charges for an order,
 * never a paid order without its succeeded charge, never an order paid
 * twice. Once everything is settled: never a lost charge, nothing left
 * processing, and every client key's retry replays the settled answer
 * without charging again.
 *
 * Shown to fail (each product change made on purpose, seen failing within
 * 200 runs, restored): the processor key derived from the attempt (two
 * charges); a resume that starts phase 1 again; phase 1 committed without
 * its writes; an abandon that drops the recovery point; a finish that does
 * not settle the payment; a webhook that ignores the payment's status; a
 * finish without its settled-meanwhile fallback; a resume without its
 * settled-meanwhile answer; a reconciler resuming from scratch; a webhook
 * reading the payment before the order. A reconciler reporting a
 * settled-meanwhile item failed is rare here (about 1 in 4 runs of 200):
 * settled-meanwhile pins it.
 */

/** Orders and their owners: two callers, three orders. */
const ORDERS = [
  { id: "01JORDER0000000000000000A1", owner: "alice", total: 1_000 },
  { id: "01JORDER0000000000000000A2", owner: "alice", total: 2_500 },
  { id: "01JORDER0000000000000000B1", owner: "bob", total: 700 },
] as const;
/**
 * The card each client key of an order pays with: another key is another
 * logical request for the same order; the declined card's key (the last)
 * leaves the order pending, payable again under another key.
 */
const CARD_OF_KEY = [PAYMENT_METHOD, PAYMENT_METHOD, DECLINED_CARD] as const;
const KEYS_PER_ORDER = CARD_OF_KEY.length;
const DECLINED_KEY = KEYS_PER_ORDER - 1;
const cardOf = (key: number): string => CARD_OF_KEY[key] ?? PAYMENT_METHOD;

/** What a client, the reconciler or the processor's webhook does. */
type Operation =
  | {
      readonly kind: "attempt";
      readonly order: number;
      readonly key: number;
      readonly fate: AttemptFate;
    }
  | { readonly kind: "reconcile"; readonly fault?: UnknownFault }
  | { readonly kind: "deliver-event"; readonly index: number; readonly times: number };

type Command =
  | Operation
  | { readonly kind: "advance-clock"; readonly ms: number }
  /** Two operations at once, their round trips interleaved by the scheduler. */
  | { readonly kind: "race"; readonly operations: readonly [Operation, Operation] };

const fates: readonly AttemptFate[] = [
  "completes",
  "crashes-after-start",
  "crashes-after-charge",
  "unknown-before-charging",
  "unknown-after-charging",
];

/** An attempt with a card the processor accepts, under any fate. */
const attemptArbitrary = fc.record({
  kind: fc.constant("attempt" as const),
  order: fc.nat({ max: ORDERS.length - 1 }),
  key: fc.nat({ max: DECLINED_KEY - 1 }),
  fate: fc.constantFrom(...fates),
});

/**
 * An attempt with the declined card: it completes, and never races. A known
 * bug (pinned by the failing test in settled-meanwhile) keeps it so: when a
 * declined request's record is left in progress (its answer lost, the
 * decline applied by the webhook) and another key's payment replaces the
 * failed one, the request's retry takes that payment for its own (answers
 * its 201, or calls the processor with its own key and the other payment's
 * parameters: a 500).
 */
const declinedAttemptArbitrary = fc.record({
  kind: fc.constant("attempt" as const),
  order: fc.nat({ max: ORDERS.length - 1 }),
  key: fc.constant(DECLINED_KEY),
  fate: fc.constant<AttemptFate>("completes"),
});

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: attemptArbitrary },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant("reconcile" as const),
        // The processor may lose the reconciler's answers too.
        fault: fc.constantFrom<UnknownFault>("before-charging", "after-charging"),
      },
      { requiredKeys: ["kind"] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("deliver-event" as const),
      index: fc.nat({ max: 3 }),
      times: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: operationArbitrary },
  { weight: 2, arbitrary: declinedAttemptArbitrary },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance-clock" as const),
      // Within a lease, just past one, past the reconciler's threshold.
      ms: fc.constantFrom(1_000, INVOCATION_MS + 2_000, SETTLE_AFTER_MS + 1_000),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("race" as const),
      // A client attempt against anything: another key, the same key, the reconciler, a webhook.
      operations: fc.tuple(attemptArbitrary, operationArbitrary),
    }),
  },
);

const keyOf = (order: number, key: number) => `key-${order}-${key}`;

async function run(
  world: CardPaymentWorld,
  scheduler: fc.Scheduler,
  command: Command,
): Promise<void> {
  switch (command.kind) {
    case "advance-clock":
      world.advanceClock(command.ms);
      return;
    case "race":
      return world.race(
        scheduler,
        command.operations.map((operation) => () => perform(world, operation)),
      );
    default:
      return perform(world, command);
  }
}

async function perform(world: CardPaymentWorld, command: Operation): Promise<void> {
  switch (command.kind) {
    case "attempt": {
      const order = ORDERS[command.order];
      if (!order) throw new Error(`No order ${command.order}`);
      await world.clientAttempt(
        order.owner,
        order.id,
        keyOf(command.order, command.key),
        command.fate,
        cardOf(command.key),
      );
      return;
    }
    case "reconcile":
      await world.reconcile(command.fault);
      return;
    case "deliver-event": {
      // In a race, the event of a charge the other operation makes may come meanwhile.
      const known = world.processor.events().length;
      for (let turn = 0; turn < 20 && world.processor.events().length === known; turn += 1) {
        await world.awaitTurn();
      }
      const events = world.processor.events();
      // Counted from the newest: 0 is the event of the latest charge.
      const event = events[events.length - 1 - (command.index % Math.max(events.length, 1))];
      if (!event) return;
      for (let time = 0; time < command.times; time += 1) await world.deliver(event);
      return;
    }
  }
}

/** What must hold after every step, whatever happened before. */
function expectSafe(world: CardPaymentWorld): void {
  const payments = new Map(world.orders.allPayments().map((payment) => [payment.orderId, payment]));
  const outbox = world.orders.outbox();
  for (const order of world.orders.allOrders()) {
    const charges = world.processor
      .chargesOf(order.id)
      .filter((charge) => charge.status === "succeeded");
    // Never two charges for one order (declined attempts to charge moved no money).
    expect(charges.length).toBeLessThanOrEqual(1);
    // Never paid twice.
    const paidEvents = outbox.filter(
      (event) => event.type === "order.paid" && event.subject === order.id,
    );
    expect(paidEvents.length).toBeLessThanOrEqual(1);
    const payment = payments.get(order.id);
    if (order.status === "paid") {
      // Never a paid order without a succeeded charge of that order.
      expect(payment?.status).toBe("succeeded");
      expect(charges.map((charge) => charge.id)).toContain(payment?.processorPaymentId);
      expect(paidEvents).toHaveLength(1);
    }
    // The order and its payment agree.
    if (payment?.status === "processing") expect(order.status).toBe("payment_pending");
    if (payment?.status === "succeeded") expect(order.status).toBe("paid");
  }
  // The reconciler resumed everything it picked.
  expect(world.reconcilerLog.errors).toEqual([]);
}

/** Every lease past, every event delivered, the reconciler run until nothing is unsettled. */
async function settleEverything(world: CardPaymentWorld): Promise<void> {
  world.advanceClock(Math.max(INVOCATION_MS, SETTLE_AFTER_MS) + 2_000);
  for (const event of world.processor.events()) await world.deliver(event);
  for (let run = 0; run < 3; run += 1) {
    const report = await world.reconcile();
    expect(report.failed).toBe(0);
    if ((await world.orders.unsettledPayments(Number.MAX_SAFE_INTEGER, 1)).length === 0) return;
  }
}

/** Once settled: no lost charge, nothing processing. */
async function expectSettled(world: CardPaymentWorld): Promise<void> {
  expect(await world.orders.unsettledPayments(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  const orders = new Map(world.orders.allOrders().map((order) => [order.id, order]));
  const payments = new Map(world.orders.allPayments().map((payment) => [payment.orderId, payment]));
  for (const payment of payments.values()) expect(payment.status).not.toBe("processing");
  for (const charge of world.processor.charges()) {
    const payment = payments.get(charge.orderId);
    if (charge.status === "declined") {
      // Its payment failed, unless another key's payment has replaced it since.
      if (payment?.id === charge.paymentId) expect(payment.status).toBe("failed");
      continue;
    }
    // Never a lost charge: it paid its order, and the order's payment names it.
    expect(orders.get(charge.orderId)?.status).toBe("paid");
    expect(payment).toMatchObject({
      id: charge.paymentId,
      status: "succeeded",
      processorPaymentId: charge.id,
    });
  }
}

/**
 * Every key a client used, retried: the settled answer, and no new charge.
 * The key whose request made the order's payment answers 201 with it; the
 * declined card's key its stored 402; another key of the same order its
 * stored 409. The answer is a
 * replay, except where a webhook settled the payment: its request's record
 * was left in progress (the reconciler only resumes what is still
 * processing), and the retry completes it with the same answer; from then
 * on it is replayed.
 */
async function expectRetriesReplay(
  world: CardPaymentWorld,
  used: ReadonlySet<string>,
): Promise<void> {
  const chargesBefore = world.processor.charges().length;
  const payments = new Map(world.orders.allPayments().map((payment) => [payment.orderId, payment]));
  const created = new Map<string, number>();
  for (const [index, order] of ORDERS.entries()) {
    for (let key = 0; key < KEYS_PER_ORDER; key += 1) {
      if (!used.has(keyOf(index, key))) continue;
      const card = cardOf(key);
      const retry = () =>
        world.clientAttempt(order.owner, order.id, keyOf(index, key), "completes", card);
      const answer = await retry();
      if (answer.kind !== "answered") throw new Error("a retry that completes cannot crash");
      expect(card === DECLINED_CARD ? [402, 409] : [201, 409]).toContain(answer.statusCode);
      if (answer.statusCode === 201) {
        created.set(order.id, (created.get(order.id) ?? 0) + 1);
        expect(answer.body).toEqual(payments.get(order.id));
      }
      const again: ClientAnswer = await retry();
      expect(again).toEqual({ ...answer, replayed: true });
    }
  }
  for (const order of world.orders.allOrders()) {
    // Exactly the request that made the order's payment answers 201.
    expect(created.get(order.id) ?? 0).toBe(order.status === "paid" ? 1 : 0);
  }
  expect(world.processor.charges()).toHaveLength(chargesBefore);
}

describe("card payments under any interleaving of attempts, crashes, reconciler runs and webhooks", () => {
  it("never charge twice, never pay without a charge, never lose a charge; retries replay", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArbitrary, { minLength: 1, maxLength: 24 }),
        fc.scheduler(),
        async (commands, scheduler) => {
          const world = new CardPaymentWorld();
          for (const order of ORDERS) await world.createOrder(order.id, order.owner, order.total);
          const used = new Set<string>();
          for (const command of commands) {
            for (const operation of command.kind === "race" ? command.operations : [command]) {
              if (operation.kind === "attempt") used.add(keyOf(operation.order, operation.key));
            }
            await run(world, scheduler, command);
            expectSafe(world);
          }
          await settleEverything(world);
          expectSafe(world);
          await expectSettled(world);
          await expectRetriesReplay(world, used);
        },
      ),
      { numRuns: 200 },
    );
  });
});
