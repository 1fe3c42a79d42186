import * as z from "zod";
import { orderSchema, paymentSchema, refundSchema } from "../orders/order";
import {
  createOrderBodySchema,
  orderParamsSchema,
  payOrderBodySchema,
  refundOrderBodySchema,
  refundParamsSchema,
  updateOrderBodySchema,
} from "../orders/order-schemas";
import type { OperationSpec } from "./openapi-operation";
import { answer, jsonBody } from "./openapi-parts";

type OrderRouteId =
  | "createOrder"
  | "getOrder"
  | "updateOrder"
  | "cancelOrder"
  | "payOrder"
  | "getPayment"
  | "refundOrder"
  | "getRefund";

const ifMatch = z.object({
  "If-Match": z.string().meta({
    description:
      'The ETag of the version you read, such as "3", or * for any version. Without it: 428; stale, weak or malformed: 412.',
    example: '"1"',
  }),
});

/** The order routes of the OpenAPI document. */
export const orderOperations: Record<OrderRouteId, OperationSpec> = {
  createOrder: {
    summary: "Create a pending order",
    tags: ["orders"],
    requestBody: jsonBody(createOrderBodySchema),
    success: { "201": answer("The order", orderSchema, { location: true, etag: true }) },
    problems: {},
  },
  getOrder: {
    summary: "Read an order",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    success: { "200": answer("The order", orderSchema, { etag: true }) },
    problems: { 404: ["not-found"] },
  },
  updateOrder: {
    summary: "Replace the items of a pending order (optimistic locking with If-Match)",
    description:
      "A 412 is a stored answer like any other: after reading the order again, send the update under a new Idempotency-Key.",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema, header: ifMatch },
    requestBody: jsonBody(updateOrderBodySchema),
    success: { "200": answer("The updated order", orderSchema, { etag: true }) },
    problems: {
      404: ["not-found"],
      409: ["invalid-state-transition"],
      412: ["precondition-failed"],
      428: ["precondition-required"],
    },
  },
  cancelOrder: {
    summary: "Cancel a pending order",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    success: { "200": answer("The cancelled order", orderSchema, { etag: true }) },
    problems: {
      404: ["not-found"],
      409: ["invalid-state-transition"],
    },
  },
  payOrder: {
    summary: "Pay an order from a wallet or by card (once per order, under any key)",
    description:
      "Exactly one of accountId (a wallet of the caller's, debited at once) and paymentMethod (a card, charged through the payment processor). A card payment whose outcome the processor did not give in time answers 503 payment-processor-unavailable: the order is payment_pending, and a retry with the same key resumes the payment (it is never charged twice); without a retry the reconciler settles it.",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    requestBody: jsonBody(payOrderBodySchema),
    success: { "201": answer("The payment", paymentSchema, { location: true }) },
    problems: {
      402: ["card-declined"],
      404: ["not-found"],
      409: [
        "order-already-paid",
        "payment-in-progress",
        "invalid-state-transition",
        "currency-mismatch",
        "insufficient-funds",
      ],
      503: ["payment-processor-unavailable"],
    },
  },
  getPayment: {
    summary: "Read the payment of an order",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    success: { "200": answer("The payment", paymentSchema) },
    problems: { 404: ["not-found"] },
  },
  refundOrder: {
    summary: "Refund part or all of an order's payment, to the wallet or the card that paid it",
    description:
      "A card refund goes through the payment processor; while its outcome is unknown (503 payment-processor-unavailable) its amount is held back from what is refundable, and a retry with the same key resumes it.",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    requestBody: jsonBody(refundOrderBodySchema),
    success: { "201": answer("The refund", refundSchema, { location: true }) },
    problems: {
      404: ["not-found"],
      409: ["refund-exceeds-payment", "invalid-state-transition", "balance-limit-exceeded"],
      503: ["payment-processor-unavailable"],
    },
  },
  getRefund: {
    summary: "Read a refund",
    tags: ["orders"],
    requestParams: { path: refundParamsSchema },
    success: { "200": answer("The refund", refundSchema) },
    problems: { 404: ["not-found"] },
  },
};
