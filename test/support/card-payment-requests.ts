import type { ProcessorEmulator } from "../../lib/local/processor-emulator/processor-emulator";
import type { ApiAnswer, ApiCaller } from "./http-api";
import { sinkEvents } from "./outbox-sink";
import { until } from "./within";

/** The items of every card test's order: a total of 3000 (30.00 EUR). */
export const CARD_ORDER_ITEMS = [{ sku: "book", quantity: 2, unitPrice: 1500 }];

/** A pending order of the caller's, in EUR. */
export async function pendingOrder(caller: ApiCaller): Promise<string> {
  const order = await caller.post("/orders", { currency: "EUR", items: CARD_ORDER_ITEMS });
  if (order.status !== 201) throw new Error(order.text);
  return String(order.body.id);
}

/** One logical card payment: the same key and body on every attempt. */
export function cardPayment(
  caller: ApiCaller,
  orderId: string,
  paymentMethod = "pm_card_visa",
): () => Promise<ApiAnswer> {
  const key = crypto.randomUUID();
  return () => caller.post(`/orders/${orderId}/payments`, { paymentMethod }, { key });
}

/** The charges (payment intents) the processor created for an order, by its metadata. */
export const chargesOf = (processor: ProcessorEmulator, orderId: string) =>
  processor.paymentIntents().filter((intent) => intent.metadata.orderId === orderId);

/** The types of the outbox events published about `subject`, in the local sink file. */
export function publishedAbout(sinkFile: string, subject: string): string[] {
  return sinkEvents(sinkFile)
    .filter((event) => event.subject === subject)
    .map((event) => event.type);
}

/**
 * Waits until the publisher has caught up with everything written so far: an
 * order created now has its event in the sink, so an event written before
 * it (a duplicate included) would be there too.
 */
export async function outboxCaughtUp(caller: ApiCaller, sinkFile: string): Promise<void> {
  const marker = await pendingOrder(caller);
  await until(
    () => publishedAbout(sinkFile, marker).includes("order.created"),
    15_000,
    "the outbox publishing a marker order",
  );
}
