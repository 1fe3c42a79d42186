import { isRefusal, type Refusal } from "../domain/refusals";
import { answerOfRefusal } from "../shared/http/refusal-problems";
import { created, ok } from "../shared/http/responses";
import type { Order, Payment, Refund } from "./order";

/**
 * The HTTP answers of the order routes: status, `Location`, `ETag`, body.
 * A card payment or refund commits its outcome as its answer, a refusal
 * included (a declined card), so the reconciler answers through these too.
 */
export const orderAnswers = {
  createOrder: (order: Order) => created(`/orders/${order.id}`, order, order.version),
  getOrder: (order: Order) => ok(order, order.version),
  updateOrder: (order: Order) => ok(order, order.version),
  cancelOrder: (order: Order) => ok(order, order.version),
  payOrder: (result: Payment | Refusal) =>
    isRefusal(result)
      ? answerOfRefusal(result)
      : created(`/orders/${result.orderId}/payment`, result),
  getPayment: (payment: Payment) => ok(payment),
  refundOrder: (result: Refund | Refusal) =>
    isRefusal(result)
      ? answerOfRefusal(result)
      : created(`/orders/${result.orderId}/refunds/${result.id}`, result),
  getRefund: (refund: Refund) => ok(refund),
};
