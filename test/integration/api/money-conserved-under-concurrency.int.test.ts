import { randomUUID } from "node:crypto";
import fc from "fast-check";
import type { ApiAnswer, ApiCaller, LedgerEntry } from "../../support/http-api";
import { startTestApi, type TestApi } from "../../support/http-api";

/**
 * Money is conserved when requests race: batches of deposits, transfers both
 * ways between three accounts, wallet payments of two orders and their
 * refunds, each sent one to three times under one Idempotency-Key, all of a
 * batch at once, against the real handlers on DynamoDB Local. After each
 * batch, from the answers alone (the API contract, docs/api.md):
 * - the balances add up to the deposits, less the wallet payments, plus the
 *   refunds that answered 201 (a transfer moves money, it makes none);
 * - no balance is negative, and every account's entries add up to its
 *   balance, each entry's balanceAfter the running sum in list order;
 * - each key's movements are in the ledger exactly once (its entries, by
 *   type, amount and reference), however many times it was sent, and every
 *   copy of a key got the same final answer, one of them not a replay.
 * A 503 (nothing moved, or a state a retry resumes) and a lease route's 409
 * in progress are sent again with the same key until the answer is final.
 */

jest.setTimeout(120_000);

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const ACCOUNTS = 3;
const ORDERS = 2;
/**
 * What each account gets before the first batch (deposits counted like any
 * other); the first order's total (at most 800) is then paid from the first.
 */
const OPENING_DEPOSIT = 1_000;

type Operation =
  | { readonly kind: "deposit"; readonly account: number; readonly amount: number }
  | {
      readonly kind: "transfer";
      readonly from: number;
      readonly to: number;
      readonly amount: number;
    }
  | { readonly kind: "pay"; readonly order: number; readonly account: number }
  | { readonly kind: "refund"; readonly order: number; readonly amount: number };

/** One key's request, sent `copies` times at once. */
interface Keyed {
  readonly operation: Operation;
  readonly copies: number;
}

const accountIndex = fc.nat({ max: ACCOUNTS - 1 });
const orderIndex = fc.nat({ max: ORDERS - 1 });

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant("deposit" as const),
    account: accountIndex,
    amount: fc.integer({ min: 1, max: 400 }),
  }),
  fc
    .record({
      kind: fc.constant("transfer" as const),
      from: accountIndex,
      shift: fc.integer({ min: 1, max: ACCOUNTS - 1 }),
      amount: fc.integer({ min: 1, max: 700 }),
    })
    .map(({ kind, from, shift, amount }) => ({
      kind,
      from,
      to: (from + shift) % ACCOUNTS,
      amount,
    })),
  fc.record({ kind: fc.constant("pay" as const), order: orderIndex, account: accountIndex }),
  fc.record({
    kind: fc.constant("refund" as const),
    order: orderIndex,
    amount: fc.integer({ min: 1, max: 400 }),
  }),
);

const keyedArbitrary: fc.Arbitrary<Keyed> = fc.record({
  operation: operationArbitrary,
  copies: fc.integer({ min: 1, max: 3 }),
});

/** A batch: its keyed requests and the order in which their copies are sent. */
interface Batch {
  readonly keyed: readonly Keyed[];
  /** Indexes into `keyed`, one per copy, in sending order. */
  readonly sendingOrder: readonly number[];
}

const batchArbitrary: fc.Arbitrary<Batch> = fc
  .array(keyedArbitrary, { minLength: 1, maxLength: 6 })
  .chain((keyed) => {
    const copies = keyed.flatMap((entry, index) =>
      Array.from({ length: entry.copies }, () => index),
    );
    return fc
      .shuffledSubarray(copies, { minLength: copies.length, maxLength: copies.length })
      .map((sendingOrder) => ({ keyed, sendingOrder }));
  });

const scenarioArbitrary = fc.record({
  orderTotals: fc.array(fc.integer({ min: 100, max: 800 }), {
    minLength: ORDERS,
    maxLength: ORDERS,
  }),
  batches: fc.array(batchArbitrary, { minLength: 1, maxLength: 2 }),
});

/** A movement of one account, as the ledger must show it. */
type Movement = Pick<LedgerEntry, "type" | "amount" | "referenceId">;

/** What the answers say moved: the entries each account must hold, and the totals. */
class Expected {
  readonly entries: Array<Array<Movement>> = Array.from({ length: ACCOUNTS }, () => []);
  deposited = 0;
  paid = 0;
  refunded = 0;
  /** The paying account of each paid order, and what it got back. */
  readonly payments: Array<{ account: number; refunded: number } | undefined> = Array.from(
    { length: ORDERS },
    () => undefined,
  );

  /** Books the movement a 201 answer reports. */
  book(operation: Operation, answer: ApiAnswer, orderTotals: readonly number[]): void {
    const referenceId = String(answer.body.id);
    switch (operation.kind) {
      case "deposit":
        this.deposited += operation.amount;
        this.entries[operation.account]?.push({
          type: "deposit",
          amount: operation.amount,
          referenceId,
        });
        return;
      case "transfer":
        this.entries[operation.from]?.push({
          type: "transfer_out",
          amount: -operation.amount,
          referenceId,
        });
        this.entries[operation.to]?.push({
          type: "transfer_in",
          amount: operation.amount,
          referenceId,
        });
        return;
      case "pay": {
        const total = orderTotals[operation.order] ?? Number.NaN;
        expect(this.payments[operation.order]).toBeUndefined();
        expect(answer.body.amount).toBe(total);
        this.paid += total;
        this.payments[operation.order] = { account: operation.account, refunded: 0 };
        this.entries[operation.account]?.push({ type: "payment", amount: -total, referenceId });
        return;
      }
      case "refund": {
        const payment = this.payments[operation.order];
        if (payment === undefined) throw new Error("a refund answered 201 for an unpaid order");
        expect(answer.body.amount).toBe(operation.amount);
        payment.refunded += operation.amount;
        expect(payment.refunded).toBeLessThanOrEqual(orderTotals[operation.order] ?? Number.NaN);
        this.refunded += operation.amount;
        this.entries[payment.account]?.push({
          type: "refund",
          amount: operation.amount,
          referenceId,
        });
        return;
      }
    }
  }
}

/** The business refusals a request of the batch may meet, by kind. */
const refusals: Record<Operation["kind"], readonly string[]> = {
  deposit: [],
  transfer: ["insufficient-funds"],
  pay: ["insufficient-funds", "order-already-paid"],
  refund: ["invalid-state-transition", "refund-exceeds-payment"],
};

const slugOf = (answer: ApiAnswer) => answer.body.type?.split("/problems/")[1];

/** Sends again, with the same key, while the answer is not final (503, or 409 in progress). */
async function untilFinal(send: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await send();
    const final =
      answer.status !== 503 &&
      !(answer.status === 409 && slugOf(answer) === "idempotency-key-in-progress");
    if (final) return answer;
    if (attempt >= 200) throw new Error(`no final answer: ${answer.status} ${answer.text}`);
    // A pause between retries, as a client's back-off; nothing is judged by it.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface World {
  readonly caller: ApiCaller;
  readonly accounts: readonly string[];
  readonly orders: readonly string[];
  readonly orderTotals: readonly number[];
}

function requestOf(world: World, operation: Operation): { path: string; body: object } {
  const account = (index: number) => world.accounts[index] ?? "";
  const order = (index: number) => world.orders[index] ?? "";
  switch (operation.kind) {
    case "deposit":
      return {
        path: `/accounts/${account(operation.account)}/deposits`,
        body: { amount: operation.amount },
      };
    case "transfer":
      return {
        path: "/transfers",
        body: {
          fromAccountId: account(operation.from),
          toAccountId: account(operation.to),
          amount: operation.amount,
        },
      };
    case "pay":
      return {
        path: `/orders/${order(operation.order)}/payments`,
        body: { accountId: account(operation.account) },
      };
    case "refund":
      return {
        path: `/orders/${order(operation.order)}/refunds`,
        body: { amount: operation.amount },
      };
  }
}

/** Runs a batch at once, checks each key's answers, then books each key's final answer once. */
async function runBatch(world: World, batch: Batch, expected: Expected): Promise<void> {
  const keys = batch.keyed.map(() => randomUUID());
  const requests = batch.keyed.map(({ operation }, index) => ({
    ...requestOf(world, operation),
    key: keys[index],
  }));
  const sent = batch.sendingOrder.map((index) => {
    const request = requests[index];
    if (request === undefined) throw new Error(`no request ${index} in the batch`);
    const { path, body, key } = request;
    return untilFinal(() => world.caller.post(path, body, { key })).then((answer) => ({
      index,
      answer,
    }));
  });
  const answers = await Promise.all(sent);

  const booked: Array<{ operation: Operation; answer: ApiAnswer }> = [];
  batch.keyed.forEach(({ operation, copies }, index) => {
    const own = answers.filter((answer) => answer.index === index).map(({ answer }) => answer);
    expect(own).toHaveLength(copies);
    const [first] = own;
    if (first === undefined) throw new Error("no answer");
    // Every copy got the key's one answer; exactly one of them is not a replay.
    for (const answer of own) {
      expect([answer.status, answer.text]).toEqual([first.status, first.text]);
    }
    expect(
      own.filter((answer) => answer.headers.get("idempotent-replayed") !== "true"),
    ).toHaveLength(1);
    if (first.status === 201) {
      booked.push({ operation, answer: first });
    } else {
      expect([first.status, refusals[operation.kind].includes(slugOf(first) ?? "")]).toEqual([
        409,
        true,
      ]);
    }
  });
  // A refund that answered 201 came after its order's payment, maybe of this batch.
  const refundsLast = [
    ...booked.filter(({ operation }) => operation.kind !== "refund"),
    ...booked.filter(({ operation }) => operation.kind === "refund"),
  ];
  for (const { operation, answer } of refundsLast) {
    expected.book(operation, answer, world.orderTotals);
  }
}

/** The checks after each batch, against what the answers booked. */
async function checkLedger(world: World, expected: Expected): Promise<void> {
  let total = 0;
  for (const [index, accountId] of world.accounts.entries()) {
    const balance = await world.caller.balanceOf(accountId);
    const entries = await world.caller.entriesOf(accountId);
    total += balance;

    expect(balance).toBeGreaterThanOrEqual(0);
    let running = 0;
    for (const entry of entries) {
      running += entry.amount;
      expect(entry.balanceAfter).toBe(running);
      expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
    }
    expect(running).toBe(balance);
    // Each booked movement once, nothing else.
    const key = (entry: Movement) => `${entry.type} ${entry.amount} ${entry.referenceId}`;
    expect(entries.map(key).toSorted()).toEqual(
      (expected.entries[index] ?? []).map(key).toSorted(),
    );
  }
  expect(total).toBe(expected.deposited - expected.paid + expected.refunded);

  for (const [index, orderId] of world.orders.entries()) {
    const order = await world.caller.get(`/orders/${orderId}`);
    const payment = expected.payments[index];
    expect(order.body).toMatchObject({
      paidAmount: payment ? world.orderTotals[index] : 0,
      refundedAmount: payment?.refunded ?? 0,
    });
  }
}

async function openWorld(orderTotals: readonly number[], expected: Expected): Promise<World> {
  const caller = api.caller();
  const accounts: string[] = [];
  for (let index = 0; index < ACCOUNTS; index += 1) {
    accounts.push(await caller.openAccount("EUR"));
  }
  const orders: string[] = [];
  for (const total of orderTotals) {
    const order = await caller.post("/orders", {
      currency: "EUR",
      items: [{ sku: "thing", quantity: 1, unitPrice: total }],
    });
    if (order.status !== 201) throw new Error(`order not created: ${order.text}`);
    orders.push(String(order.body.id));
  }
  const world = { caller, accounts, orders, orderTotals };
  for (let account = 0; account < ACCOUNTS; account += 1) {
    const operation: Operation = { kind: "deposit", account, amount: OPENING_DEPOSIT };
    const { path, body } = requestOf(world, operation);
    const answer = await untilFinal(() => caller.post(path, body));
    expect(answer.status).toBe(201);
    expected.book(operation, answer, orderTotals);
  }
  // The first order is paid before the batches, so that their refunds of it
  // can succeed; the other one's payments and refunds race within a batch.
  const payment: Operation = { kind: "pay", order: 0, account: 0 };
  const { path, body } = requestOf(world, payment);
  const paid = await untilFinal(() => caller.post(path, body));
  expect(paid.status).toBe(201);
  expected.book(payment, paid, orderTotals);
  return world;
}

describe("money under concurrent requests", () => {
  it("is conserved: balances are deposits less payments plus refunds, each key's movement once", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async ({ orderTotals, batches }) => {
        const expected = new Expected();
        const world = await openWorld(orderTotals, expected);
        for (const batch of batches) {
          await runBatch(world, batch, expected);
          await checkLedger(world, expected);
        }
      }),
      { numRuns: 10 },
    );
  });
});
