import * as z from "zod";

/**
 * An event as the processor sends it (Stripe's shape). Documented for the
 * OpenAPI document; the handler reads the body only through the signature
 * check and the processor module's own parser.
 */
export const processorEventSchema = z
  .looseObject({
    id: z.string().meta({ description: "evt_…" }),
    object: z.literal("event"),
    type: z.string().meta({ example: "payment_intent.succeeded" }),
    created: z.number().int(),
    data: z.looseObject({ object: z.looseObject({}) }),
  })
  .meta({ id: "ProcessorEvent" });

export const webhookReceiptSchema = z
  .object({ received: z.literal(true) })
  .meta({ id: "WebhookReceipt" });
