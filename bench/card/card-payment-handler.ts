import type { DynamoDBClient, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { Commit, IdempotentContext } from "../../functions/idempotency";
import type {
  CardPaymentInput,
  CardPaymentPorts,
  PaymentPhases,
} from "../../functions/orders/card-payments";
import { DynamoDbOrderRepository } from "../../functions/orders/dynamodb-order-repository";
import { orderParamsSchema, payOrderBodySchema } from "../../functions/orders/order-schemas";
import type { PaymentProcessor } from "../../functions/processor/payment-processor";
import { routeById } from "../../functions/routes";
import { DataTable } from "../../functions/shared/dynamodb/data-table";
import {
  createHttpHandler,
  type HttpEvent,
  type HttpHandlerOptions,
  type IdempotencyMiddleware,
  type LambdaHttpHandler,
} from "../../functions/shared/http/http-handler";
import type { DepositTables } from "../deposit/deposit-handler";
import { silentObservability } from "../support/silent-observability";

/**
 * The card branch of pay-order.handler.ts, built in-process as the deposit
 * variants are (parsing, validation, the use case, DynamoDB writes, the
 * Stripe client against the emulator, problem rendering), with the
 * idempotency layer left to the caller. The circuit breaker is left out for
 * every variant alike: it never opens in this bench.
 */

export const payOrderRoute = routeById("payOrder");
const schemas = { params: orderParamsSchema, body: payOrderBodySchema };

/** How an order is paid by card once the layer has given its phases. */
export type PayByCard = (
  input: CardPaymentInput,
  ports: CardPaymentPorts<TransactWriteItem>,
) => Promise<unknown>;

export interface CardPaymentOptions {
  readonly client: DynamoDBClient;
  readonly tables: DepositTables;
  readonly processor: PaymentProcessor;
}

export interface CardIdempotencyLayer {
  readonly route: HttpHandlerOptions<typeof schemas, TransactWriteItem>["route"];
  readonly idempotency?: IdempotencyMiddleware<TransactWriteItem>;
  readonly commit: (context: IdempotentContext<TransactWriteItem>) => Commit<TransactWriteItem>;
  /** The attempt's phases: this project's handle, or a stand-in that commits each phase alone. */
  readonly phases: (
    context: IdempotentContext<TransactWriteItem>,
    event: HttpEvent,
  ) => PaymentPhases<TransactWriteItem>;
}

export function cardPaymentHandler(
  options: CardPaymentOptions,
  layer: CardIdempotencyLayer,
  pay: PayByCard,
): LambdaHttpHandler {
  const orders = new DynamoDbOrderRepository(new DataTable(options.client, options.tables.data));
  // The handler body sees the context, not the event: a key derived from the
  // event (caller, Idempotency-Key) is looked up by the context middy passes on.
  const events = new WeakMap<object, HttpEvent>();
  const handler = createHttpHandler<typeof schemas, TransactWriteItem>({
    route: layer.route,
    schemas,
    resourceName: "The order",
    observability: silentObservability(),
    ...(layer.idempotency ? { idempotency: layer.idempotency } : {}),
    handle: async ({ caller, params, body, correlationId }, context) => {
      const event = events.get(context);
      if (!event || body.paymentMethod === undefined) throw new Error("not a card payment");
      return pay(
        { caller, orderId: params.orderId, paymentMethod: body.paymentMethod },
        {
          orders,
          processor: options.processor,
          phases: layer.phases(context, event),
          commit: layer.commit(context),
          now: () => new Date(),
          remainingTimeMs: () => context.getRemainingTimeInMillis(),
          correlationId,
        },
      );
    },
  });
  return (event, context) => {
    events.set(context, event);
    return handler(event, context);
  };
}
