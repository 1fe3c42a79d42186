import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { newId } from "../../functions/domain/primitives";
import { DynamoDbOrderRepository } from "../../functions/orders/dynamodb-order-repository";
import { ownOrder } from "../../functions/orders/order-repository";
import { createOrder } from "../../functions/orders/order-use-cases";
import { DataTable } from "../../functions/shared/dynamodb/data-table";
import { apiGatewayEvent } from "../../test/support/lambda-fixtures";
import { transactionCommit } from "../deposit/transaction-commit";
import { benchTables } from "../support/bench-database";
import { payOrderRoute } from "./card-payment-handler";

/** An order of one caller, `pending`: what a card payment pays. */
export interface PayableOrder {
  readonly caller: string;
  readonly orderId: string;
}

const items = [{ sku: "book", quantity: 2, unitPrice: 1500 }];

const ordersOf = (client: DynamoDBClient) =>
  new DynamoDbOrderRepository(new DataTable(client, benchTables.data));

/** Creates `count` pending orders of a new caller, written directly (not measured). */
export async function openOrders(client: DynamoDBClient, count: number): Promise<PayableOrder[]> {
  const caller = `bench-${newId()}`;
  const orders = ordersOf(client);
  const opened: PayableOrder[] = [];
  for (let index = 0; index < count; index += 1) {
    const order = await createOrder(
      { caller, currency: "EUR", items },
      {
        orders,
        commit: transactionCommit(client),
        now: () => new Date(),
        remainingTimeMs: () => 10_000,
        correlationId: "bench-setup",
      },
    );
    opened.push({ caller, orderId: order.id });
  }
  return opened;
}

export async function orderStatusOf(client: DynamoDBClient, order: PayableOrder): Promise<string> {
  return (await ownOrder(ordersOf(client), order.caller, order.orderId)).status;
}

/** The event API Gateway sends for `POST /orders/{orderId}/payments` by card. */
export function cardPaymentEvent(
  order: PayableOrder,
  key: string,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return apiGatewayEvent({
    method: payOrderRoute.method,
    route: payOrderRoute.path,
    path: `/orders/${order.orderId}/payments`,
    pathParameters: { orderId: order.orderId },
    body: JSON.stringify({ paymentMethod: "pm_card_visa" }),
    sub: order.caller,
    idempotencyKey: key,
  });
}
