import * as z from "zod";
import { amountSchema, currencySchema, idSchema } from "../domain/primitives";
import { isWithinTotalLimit, MAX_ORDER_ITEMS, MAX_ORDER_TOTAL, orderItemSchema } from "./order";

/** Items as a caller sends them: unknown fields are refused, the total is bounded. */
export const orderItemsBodySchema = z
  .array(z.strictObject(orderItemSchema.shape).meta({ id: "OrderItemRequest" }))
  .min(1)
  .max(MAX_ORDER_ITEMS)
  .refine(isWithinTotalLimit, {
    message: `the order total (Σ quantity × unitPrice) must not exceed ${MAX_ORDER_TOTAL}`,
  });

export const createOrderBodySchema = z
  .strictObject({ currency: currencySchema, items: orderItemsBodySchema })
  .meta({ id: "CreateOrderRequest" });

export const updateOrderBodySchema = z
  .strictObject({ items: orderItemsBodySchema })
  .meta({ id: "UpdateOrderRequest" });

/** A payment method of the processor, such as `pm_card_visa`. */
export const paymentMethodSchema = z
  .string()
  .regex(/^pm_[A-Za-z0-9_]{1,200}$/, "must be a payment method id such as pm_card_visa");

export const payOrderBodySchema = z
  .strictObject({
    accountId: idSchema.optional().meta({ description: "Pay from this wallet of the caller's." }),
    paymentMethod: paymentMethodSchema
      .optional()
      .meta({ description: "Pay by card through the payment processor." }),
  })
  .refine((body) => (body.accountId === undefined) !== (body.paymentMethod === undefined), {
    message: "give exactly one of accountId and paymentMethod",
  })
  .meta({ id: "PayOrderRequest" });

export const refundOrderBodySchema = z
  .strictObject({ amount: amountSchema })
  .meta({ id: "RefundOrderRequest" });

export const orderParamsSchema = z.object({ orderId: idSchema });
export const refundParamsSchema = z.object({ orderId: idSchema, refundId: idSchema });
