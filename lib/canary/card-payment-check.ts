/**
 * The synthetic check of card payments, end to end through the payment
 * processor (Stripe's test mode on AWS, the emulator locally): create an
 * order, pay it by card with Stripe's test card, send the very same payment
 * again under the same key and see it replayed, and see the order paid. The
 * same function runs in the canary and in a jest test against `npm start`.
 */

import { CheckFailedError, type CheckOptions, type CheckTarget, checkClient } from "./check-client";

/** Minor units of the check's order: 1.00. */
export const CHECK_ORDER_TOTAL = 100;

/** Stripe's test card that always succeeds. */
const TEST_PAYMENT_METHOD = "pm_card_visa";

export interface CardPaymentCheckResult {
  readonly orderId: string;
  readonly processorPaymentId: string;
}

export async function cardPaymentCheck(
  target: CheckTarget,
  options: CheckOptions = {},
): Promise<CardPaymentCheckResult> {
  const { call, expectStatus, expectReplay, step, runId } = checkClient(target, options);

  const orderId = await step("create an order", async () => {
    const answer = await call("POST", "orders", `canary-${runId}-order`, {
      currency: "EUR",
      items: [{ sku: "synthetic-check", quantity: 1, unitPrice: CHECK_ORDER_TOTAL }],
    });
    return String(expectStatus("create an order", answer, 201).id);
  });

  const paymentPath = `orders/${encodeURIComponent(orderId)}/payments`;
  const paymentKey = `canary-${runId}-card-payment`;
  const payment = { paymentMethod: TEST_PAYMENT_METHOD };
  const first = await step("pay by card", async () => {
    const answer = await call("POST", paymentPath, paymentKey, payment);
    const paid = expectStatus("pay by card", answer, 201);
    if (paid.status !== "succeeded") {
      throw new CheckFailedError("pay by card", "a succeeded payment", answer.status, answer.text);
    }
    return answer;
  });

  await step("send the payment again: replayed, not charged again", async () => {
    const again = await call("POST", paymentPath, paymentKey, payment);
    expectReplay("send the payment again", again, first);
  });

  await step("read the order: paid", async () => {
    const answer = await call("GET", `orders/${encodeURIComponent(orderId)}`);
    const order = expectStatus("read the order", answer, 200);
    if (order.status !== "paid") {
      throw new CheckFailedError("read the order", "status paid", answer.status, answer.text);
    }
  });

  return { orderId, processorPaymentId: String(JSON.parse(first.text).processorPaymentId) };
}
