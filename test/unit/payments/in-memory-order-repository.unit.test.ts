import { InMemoryIdempotencyStore, type InMemoryWrite } from "../../../functions/idempotency";
import { newOrder, type Order, type Payment } from "../../../functions/orders/order";
import { InMemoryOrderRepository } from "../../support/in-memory-order-repository";

/**
 * The in-memory order repository refuses what the DynamoDB one refuses
 * (its conditions), so a model-based test over it cannot pass where the
 * real table would refuse a write.
 */

const AT = "2026-01-01T00:00:00.000Z";
const ORDER_ID = "01JORDER0000000000000000A1";
const request = { recordKey: "sha256:record", fingerprint: "fp" };

function anOrder(): Order {
  return newOrder({
    id: ORDER_ID,
    ownerId: "alice",
    currency: "EUR",
    items: [{ sku: "sku-1", quantity: 1, unitPrice: 1_000 }],
    at: AT,
  });
}

function aPayment(id: string, status: Payment["status"] = "processing"): Payment {
  return {
    id,
    orderId: ORDER_ID,
    method: "card",
    paymentMethod: "pm_card_visa",
    amount: 1_000,
    currency: "EUR",
    status,
    createdAt: AT,
  };
}

/** Commits `writes` all or nothing, as a transaction does; `false` when it was refused. */
async function commits(store: InMemoryIdempotencyStore, writes: InMemoryWrite[]): Promise<boolean> {
  const pk = `test:${Math.random()}`;
  const record = {
    pk,
    status: "COMPLETED" as const,
    fingerprint: "fp",
    expiresAt: Number.MAX_SAFE_INTEGER,
    createdAtMs: 0,
    answer: "{}",
    completedAtMs: 0,
  };
  try {
    await store.commit(record, 0, writes);
    return true;
  } catch {
    return false;
  }
}

describe("InMemoryOrderRepository", () => {
  let orders: InMemoryOrderRepository;
  let store: InMemoryIdempotencyStore;

  beforeEach(async () => {
    orders = new InMemoryOrderRepository();
    store = new InMemoryIdempotencyStore();
    await commits(store, [orders.create(anOrder())]);
  });

  it("creates an order once", async () => {
    expect(await commits(store, [orders.create(anOrder())])).toBe(false);
  });

  it("saves only at the version read", async () => {
    const read = anOrder();
    const next = { ...read, status: "payment_pending" as const, version: 2 };
    expect(await commits(store, [orders.save(read, next)])).toBe(true);
    // The same stale read again: refused, and nothing changed.
    expect(await commits(store, [orders.save(read, { ...next, status: "cancelled" })])).toBe(false);
    expect((await orders.find(ORDER_ID))?.status).toBe("payment_pending");
  });

  it("refuses a second payment unless the first failed", async () => {
    expect(await commits(store, [orders.createPayment(aPayment("P1"), request, 5)])).toBe(true);
    expect(await commits(store, [orders.createPayment(aPayment("P2"), request, 6)])).toBe(false);
    const settled = aPayment("P1", "failed");
    expect(await commits(store, [orders.settlePayment(aPayment("P1"), settled)])).toBe(true);
    expect(await commits(store, [orders.createPayment(aPayment("P3"), request, 7)])).toBe(true);
    expect((await orders.findPayment(ORDER_ID))?.id).toBe("P3");
  });

  it("settles only the processing payment of that id, once", async () => {
    await commits(store, [orders.createPayment(aPayment("P1"), request, 5)]);
    const succeeded = { ...aPayment("P1", "succeeded"), processorPaymentId: "pi_1" };
    expect(await commits(store, [orders.settlePayment(aPayment("P2"), succeeded)])).toBe(false);
    expect(await commits(store, [orders.settlePayment(aPayment("P1"), succeeded)])).toBe(true);
    const failed = aPayment("P1", "failed");
    expect(await commits(store, [orders.settlePayment(aPayment("P1"), failed)])).toBe(false);
    expect((await orders.findPayment(ORDER_ID))?.status).toBe("succeeded");
  });

  it("refuses a whole transaction when one write is refused", async () => {
    const read = anOrder();
    await commits(store, [orders.createPayment(aPayment("P1"), request, 5)]);
    const next = { ...read, status: "payment_pending" as const, version: 2 };
    const refused = [orders.save(read, next), orders.createPayment(aPayment("P2"), request, 6)];
    expect(await commits(store, refused)).toBe(false);
    expect((await orders.find(ORDER_ID))?.version).toBe(1);
  });

  it("lists processing payments with their request below a time, oldest first, until settled", async () => {
    const other = { ...anOrder(), id: "01JORDER0000000000000000A2" };
    await commits(store, [orders.create(other)]);
    await commits(store, [
      orders.createPayment(aPayment("P1"), request, 20),
      orders.createPayment({ ...aPayment("P2"), orderId: other.id }, request, 10),
    ]);
    expect((await orders.unsettledPayments(21, 10)).map((found) => found.item.id)).toEqual([
      "P2",
      "P1",
    ]);
    expect(await orders.unsettledPayments(20, 10)).toEqual([
      { item: { ...aPayment("P2"), orderId: other.id }, request, sinceMs: 10 },
    ]);
    await commits(store, [orders.settlePayment(aPayment("P1"), aPayment("P1", "failed"))]);
    expect((await orders.unsettledPayments(100, 10)).map((found) => found.item.id)).toEqual(["P2"]);
  });

  it("returns copies: changing a read changes nothing stored", async () => {
    const read = await orders.find(ORDER_ID);
    if (!read) throw new Error("no order");
    read.status = "cancelled";
    expect((await orders.find(ORDER_ID))?.status).toBe("pending");
  });
});
