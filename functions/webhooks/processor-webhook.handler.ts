import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from "aws-lambda";
import { composeRoute } from "../compose-route";
import { DynamoDbIdempotencyStore, makeIdempotent } from "../idempotency";
import { DynamoDbOrderRepository } from "../orders/dynamodb-order-repository";
import {
  type ProcessorEvent,
  ProcessorEventInvalidError,
  verifyProcessorEvent,
  WebhookSignatureInvalidError,
} from "../processor/processor-events";
import { loadWebhookSigningSecret } from "../processor/processor-secret";
import { headerLines } from "../shared/http/event-headers";
import { problems } from "../shared/http/problem-types";
import { createPublicHandler } from "../shared/http/public-handler";
import { ok } from "../shared/http/responses";
import { idempotencyMetricsOf } from "../shared/observability/metrics";
import { applyProcessorEvent } from "./apply-processor-event";
import { webhookReceiptSchema } from "./webhook-schemas";

/**
 * POST /webhooks/processor: the processor's events, no bearer token. Each is
 * verified by its Stripe-Signature over the exact bytes received (400
 * `webhook-signature-invalid` otherwise, nothing applied), then applied at
 * most once per event id through the idempotency layer's function face.
 */

const { config, observability, client, orders } = composeRoute("processorWebhook", {
  orders: DynamoDbOrderRepository,
});

/** An event and the invocation it arrived in (its deadline bounds a lost race's rounds). */
interface Delivery {
  readonly event: ProcessorEvent;
  readonly context: Context;
}

const applyOnce = makeIdempotent<Delivery, { applied: boolean }, TransactWriteItem>(
  ({ event, context }, handle) =>
    applyProcessorEvent(event, handle, {
      orders,
      now: () => new Date(),
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      correlationId: `webhook:${event.id}`,
    }),
  {
    store: new DynamoDbIdempotencyStore({ client, tableName: config.idempotencyTableName }),
    strategy: "commit",
    scope: "processor-webhooks",
    keyOf: ({ event }) => event.id,
    fingerprintOf: ({ event }) => event,
    retentionSeconds: config.idempotencyRetentionSeconds,
    logger: observability.logger,
    metrics: idempotencyMetricsOf(observability.metrics),
  },
);

/** The body exactly as the processor signed it: API Gateway hands binary media over as base64. */
function rawBodyOf(event: APIGatewayProxyEvent | APIGatewayProxyEventV2): string {
  const body = event.body ?? "";
  return event.isBase64Encoded ? Buffer.from(body, "base64").toString("utf8") : body;
}

export const handler = createPublicHandler(observability, async (event, context) => {
  // Read per event, not at cold start: Powertools caches the secret for 5
  // minutes, a failed read is tried again on the next delivery, and a
  // changed secret is picked up without a redeployment.
  const webhookSecret = await loadWebhookSigningSecret();
  const signatures = headerLines(event, "stripe-signature");
  let verified: ProcessorEvent;
  try {
    verified = verifyProcessorEvent(
      rawBodyOf(event),
      signatures.length === 1 ? signatures[0] : undefined,
      webhookSecret,
    );
  } catch (error) {
    if (error instanceof WebhookSignatureInvalidError) throw problems.webhookSignatureInvalid();
    if (error instanceof ProcessorEventInvalidError) {
      throw problems.validation([], "The event is signed but not of the shape its type has.");
    }
    throw error;
  }
  const { value, replayed } = await applyOnce({ event: verified, context }, context);
  observability.logger.info("processor event", {
    eventId: verified.id,
    kind: verified.kind,
    applied: value.applied,
    replayed,
  });
  return ok(webhookReceiptSchema.parse({ received: true }));
});
