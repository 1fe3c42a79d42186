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
import { jsonAnswer, jsonBody, type OperationSpec } from "./openapi-parts";

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
  "if-match": z.string().meta({
    description: 'The ETag of the version you read, such as "3", or * for any version.',
    example: '"1"',
  }),
});

/** The order routes of the OpenAPI document. */
export const orderOperations: Record<OrderRouteId, OperationSpec> = {
  createOrder: {
    summary: "Create a pending order",
    tags: ["orders"],
    requestBody: jsonBody(createOrderBodySchema),
    success: { "201": jsonAnswer("The order", orderSchema, { location: true, etag: true }) },
    errors: [],
  },
  getOrder: {
    summary: "Read an order",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    success: { "200": jsonAnswer("The order", orderSchema, { etag: true }) },
    errors: [404],
  },
  updateOrder: {
    summary: "Replace the items of a pending order (optimistic locking with If-Match)",
    description:
      "A 412 is a stored answer like any other: after reading the order again, send the update under a new Idempotency-Key.",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema, header: ifMatch },
    requestBody: jsonBody(updateOrderBodySchema),
    success: { "200": jsonAnswer("The updated order", orderSchema, { etag: true }) },
    errors: [404, 412, 428],
  },
  cancelOrder: {
    summary: "Cancel a pending order",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    success: { "200": jsonAnswer("The cancelled order", orderSchema, { etag: true }) },
    errors: [404],
  },
  payOrder: {
    summary: "Pay an order from one of the caller's accounts (once per order, under any key)",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    requestBody: jsonBody(payOrderBodySchema),
    success: { "201": jsonAnswer("The payment", paymentSchema, { location: true }) },
    errors: [404],
  },
  getPayment: {
    summary: "Read the payment of an order",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    success: { "200": jsonAnswer("The payment", paymentSchema) },
    errors: [404],
  },
  refundOrder: {
    summary: "Refund part or all of an order's payment to the paying account",
    tags: ["orders"],
    requestParams: { path: orderParamsSchema },
    requestBody: jsonBody(refundOrderBodySchema),
    success: { "201": jsonAnswer("The refund", refundSchema, { location: true }) },
    errors: [404],
  },
  getRefund: {
    summary: "Read a refund",
    tags: ["orders"],
    requestParams: { path: refundParamsSchema },
    success: { "200": jsonAnswer("The refund", refundSchema) },
    errors: [404],
  },
};
