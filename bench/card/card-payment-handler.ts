import type { DynamoDBClient, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { Refusal } from "../../functions/domain/refusals";
import type { IdempotentContext } from "../../functions/idempotency";
import type { CardPaymentInput, CardPaymentPorts } from "../../functions/orders/card-payments";
import { DynamoDbOrderRepository } from "../../functions/orders/dynamodb-order-repository";
import type { Payment } from "../../functions/orders/order";
import { orderAnswers } from "../../functions/orders/order-answers";
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
  type RouteAttempt,
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
  ports: CardPaymentPorts<TransactWriteItem, Payment | Refusal>,
) => Promise<Payment | Refusal>;

export interface CardPaymentOptions {
  readonly client: DynamoDBClient;
  readonly tables: DepositTables;
  readonly processor: PaymentProcessor;
}

type CardHandlerOptions = HttpHandlerOptions<typeof schemas, TransactWriteItem, Payment | Refusal>;

export interface CardIdempotencyLayer {
  readonly route: CardHandlerOptions["route"];
  readonly idempotency?: IdempotencyMiddleware<TransactWriteItem>;
  /**
   * The attempt the use case commits and advances through: this project's
   * handle (the default), or a stand-in that commits each phase alone.
   */
  readonly attemptOf?: (
    context: IdempotentContext<TransactWriteItem>,
    event: HttpEvent,
  ) => RouteAttempt<TransactWriteItem> | undefined;
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
  const { attemptOf } = layer;
  const handler = createHttpHandler<typeof schemas, TransactWriteItem, Payment | Refusal>({
    route: layer.route,
    schemas,
    resourceName: "The order",
    observability: silentObservability(),
    ...(layer.idempotency ? { idempotency: layer.idempotency } : {}),
    ...(attemptOf
      ? {
          attemptOf: (context: IdempotentContext<TransactWriteItem>) => {
            const event = events.get(context);
            if (!event) throw new Error("no event for this invocation");
            return attemptOf(context, event);
          },
        }
      : {}),
    handle: async ({ caller, params, body }, { phases, ...ports }) => {
      if (!phases || body.paymentMethod === undefined) throw new Error("not a card payment");
      return pay(
        { caller, orderId: params.orderId, paymentMethod: body.paymentMethod },
        { orders, processor: options.processor, phases, ...ports },
      );
    },
    respond: orderAnswers.payOrder,
  });
  return (event, context) => {
    events.set(context, event);
    return handler(event, context);
  };
}
