import { createHash } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { newId } from "../../functions/domain/primitives";
import type { Refusal } from "../../functions/domain/refusals";
import {
  type CardPaymentInput,
  type CardPaymentPorts,
  cardPaymentSettlement,
  chargeKeyOf,
  processingCardPayment,
  resultOf,
} from "../../functions/orders/card-payments";
import { changedOrder, type Payment, startCardPayment } from "../../functions/orders/order";
import { ownOrder } from "../../functions/orders/order-repository";
import { ProcessorOutcomeUnknownError } from "../../functions/processor/processor-outcome-unknown-error";
import { outboxEvent } from "../../functions/shared/outbox";
import type { PayByCard } from "./card-payment-handler";

/** Crockford's base32, the alphabet of ULIDs. */
const ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Kept back for the transaction and the answer, as card-payments.ts does. */
const FINISH_RESERVE_MS = 1_500;

/**
 * A card payment as a handler under Powertools is commonly written, the
 * in-progress record being its only guard: read the order, charge, then
 * write the outcome (payment, order, event) in one transaction. Nothing is
 * written before the charge, so an attempt that dies after it leaves the
 * order `pending`, and a re-run charges again unless its processor key is
 * the same. Built from the project's own pieces (state rules, settlement,
 * answer, `chargeKeyOf`); used only to show the re-charge.
 *
 * The payment's id travels in the charge's metadata, so it is one of the
 * charge's parameters: `per-attempt` makes a new one each run (as `start`
 * does before it stores it), `from-identity` derives it from the same
 * identity as the processor key, so that a re-run sends the same parameters.
 */
export function chargeThenRecord(paymentId: "per-attempt" | "from-identity"): PayByCard {
  return (input, ports) =>
    pay(input, ports, paymentId === "per-attempt" ? newId() : idOf(ports.phases.identity.pk));
}

/** A ULID-shaped id digested from `text`: the same text, the same id. */
function idOf(text: string): string {
  const digest = createHash("sha256").update(text).digest();
  return Array.from(digest.subarray(0, 26), (byte) => ULID_ALPHABET[byte % 32]).join("");
}

async function pay(
  input: CardPaymentInput,
  ports: CardPaymentPorts<TransactWriteItem, Payment | Refusal>,
  paymentId: string,
): Promise<Payment | Refusal> {
  const order = await ownOrder(ports.orders, input.caller, input.orderId);
  const at = ports.now().toISOString();
  // Refuses an order already paid (or one another payment holds).
  const pending = changedOrder(order, startCardPayment(order, at));
  const payment = processingCardPayment(order, paymentId, input.paymentMethod, at);
  const outcome = await ports.processor.charge({
    idempotencyKey: chargeKeyOf(ports.phases.identity, order.id),
    amount: payment.amount,
    currency: payment.currency,
    paymentMethod: input.paymentMethod,
    metadata: { orderId: order.id, paymentId: payment.id },
    timeoutMs: ports.remainingTimeMs() - FINISH_RESERVE_MS,
  });
  if (outcome.status === "unknown") throw new ProcessorOutcomeUnknownError("charge");
  const settlement = cardPaymentSettlement(pending, payment, outcome, at);
  return ports.commit(
    [
      ports.orders.createPayment(settlement.payment),
      ports.orders.save(order, settlement.order),
      ports.orders.recordEvent(
        outboxEvent(
          settlement.eventType,
          order.id,
          { order: settlement.order, payment: settlement.payment },
          at,
          ports.correlationId,
        ),
      ),
    ],
    resultOf(settlement.payment),
  );
}
