import { randomUUID } from "node:crypto";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod";
import { accountSchema, ledgerEntrySchema } from "../../../functions/accounts/account";
import { handler as createAccountHandler } from "../../../functions/accounts/create-account.handler";
import { handler as createDepositHandler } from "../../../functions/accounts/create-deposit.handler";
import { handler as getAccountHandler } from "../../../functions/accounts/get-account.handler";
import { handler as listEntriesHandler } from "../../../functions/accounts/list-entries.handler";
import { handler as cancelOrderHandler } from "../../../functions/orders/cancel-order.handler";
import { handler as createOrderHandler } from "../../../functions/orders/create-order.handler";
import { handler as getOrderHandler } from "../../../functions/orders/get-order.handler";
import { handler as getPaymentHandler } from "../../../functions/orders/get-payment.handler";
import { handler as getRefundHandler } from "../../../functions/orders/get-refund.handler";
import {
  type Order,
  orderSchema,
  paymentSchema,
  refundSchema,
} from "../../../functions/orders/order";
import { handler as payOrderHandler } from "../../../functions/orders/pay-order.handler";
import { handler as refundOrderHandler } from "../../../functions/orders/refund-order.handler";
import { handler as updateOrderHandler } from "../../../functions/orders/update-order.handler";
import type { LambdaHttpHandler } from "../../../functions/shared/http/http-handler";
import { testClient, testEnvironment } from "../../support/dynamodb";
import { lambdaContext, restApiEvent } from "../../support/lambda-fixtures";

afterAll(() => testClient().destroy());

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

interface Call {
  readonly sub: string;
  readonly route: string;
  readonly params?: Record<string, string>;
  readonly body?: unknown;
  readonly key?: string;
  readonly headers?: Record<string, string>;
}

/** Invokes a handler in-process with an API Gateway event, as the gateway would. */
async function invoke(handler: LambdaHttpHandler, method: string, call: Call): Promise<Answer> {
  const path = Object.entries(call.params ?? {}).reduce(
    (built, [name, value]) => built.replace(`{${name}}`, value),
    call.route,
  );
  const event = restApiEvent({
    method,
    route: call.route,
    path,
    sub: call.sub,
    ...(call.params ? { pathParameters: call.params } : {}),
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    ...(method === "GET" ? {} : { idempotencyKey: call.key ?? randomUUID() }),
    ...(call.headers ? { headers: call.headers } : {}),
  });
  const response = await handler(event, lambdaContext());
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body ? JSON.parse(response.body) : undefined,
  };
}

const problemSchema = z.object({
  type: z.string(),
  status: z.number(),
  errors: z.array(z.object({ path: z.string() })).optional(),
});
const slugOf = (answer: Answer) => problemSchema.parse(answer.body).type.split("/").pop();

const EUR_ITEMS = [
  { sku: "book", quantity: 2, unitPrice: 1500 },
  { sku: "pen", quantity: 4, unitPrice: 250 },
];
const EUR_TOTAL = 4000;

const newCaller = () => `caller-${randomUUID()}`;

async function openAccount(sub: string, currency = "EUR", deposit = 0): Promise<string> {
  const opened = await invoke(createAccountHandler, "POST", {
    sub,
    route: "/accounts",
    body: { currency },
  });
  const { id } = accountSchema.parse(opened.body);
  if (deposit > 0) {
    const deposited = await invoke(createDepositHandler, "POST", {
      sub,
      route: "/accounts/{accountId}/deposits",
      params: { accountId: id },
      body: { amount: deposit },
    });
    expect(deposited.status).toBe(201);
  }
  return id;
}

async function balanceOf(sub: string, accountId: string): Promise<number> {
  const answer = await invoke(getAccountHandler, "GET", {
    sub,
    route: "/accounts/{accountId}",
    params: { accountId },
  });
  return accountSchema.parse(answer.body).balance;
}

async function entriesOf(sub: string, accountId: string) {
  const answer = await invoke(listEntriesHandler, "GET", {
    sub,
    route: "/accounts/{accountId}/entries",
    params: { accountId },
  });
  return z.object({ items: z.array(ledgerEntrySchema) }).parse(answer.body).items;
}

const createOrder = (sub: string, body: unknown, key?: string) =>
  invoke(createOrderHandler, "POST", { sub, route: "/orders", body, ...(key ? { key } : {}) });

async function placeOrder(sub: string, items = EUR_ITEMS, currency = "EUR"): Promise<Order> {
  const answer = await createOrder(sub, { currency, items });
  expect(answer.status).toBe(201);
  return orderSchema.parse(answer.body);
}

const getOrder = (sub: string, orderId: string) =>
  invoke(getOrderHandler, "GET", { sub, route: "/orders/{orderId}", params: { orderId } });

async function readOrder(sub: string, orderId: string): Promise<Order> {
  const answer = await getOrder(sub, orderId);
  expect(answer.status).toBe(200);
  return orderSchema.parse(answer.body);
}

const updateOrder = (sub: string, orderId: string, body: unknown, ifMatch?: string) =>
  invoke(updateOrderHandler, "PATCH", {
    sub,
    route: "/orders/{orderId}",
    params: { orderId },
    body,
    ...(ifMatch === undefined ? {} : { headers: { "if-match": ifMatch } }),
  });

const cancelOrder = (sub: string, orderId: string) =>
  invoke(cancelOrderHandler, "POST", {
    sub,
    route: "/orders/{orderId}/cancel",
    params: { orderId },
  });

const payOrder = (sub: string, orderId: string, accountId: string, key?: string) =>
  invoke(payOrderHandler, "POST", {
    sub,
    route: "/orders/{orderId}/payments",
    params: { orderId },
    body: { accountId },
    ...(key ? { key } : {}),
  });

const getPayment = (sub: string, orderId: string) =>
  invoke(getPaymentHandler, "GET", {
    sub,
    route: "/orders/{orderId}/payment",
    params: { orderId },
  });

const refundOrder = (sub: string, orderId: string, amount: number) =>
  invoke(refundOrderHandler, "POST", {
    sub,
    route: "/orders/{orderId}/refunds",
    params: { orderId },
    body: { amount },
  });

const getRefund = (sub: string, orderId: string, refundId: string) =>
  invoke(getRefundHandler, "GET", {
    sub,
    route: "/orders/{orderId}/refunds/{refundId}",
    params: { orderId, refundId },
  });

/** A caller with a paid order of EUR_TOTAL from an account that started with `deposit`. */
async function paidOrder(deposit = 10_000) {
  const sub = newCaller();
  const accountId = await openAccount(sub, "EUR", deposit);
  const order = await placeOrder(sub);
  const paid = await payOrder(sub, order.id, accountId);
  expect(paid.status).toBe(201);
  return { sub, accountId, order };
}

/** Outbox events about one subject, read around the API. */
async function eventTypesAbout(subject: string): Promise<string[]> {
  const types: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await testClient().send(
      new ScanCommand({
        TableName: testEnvironment().dataTable,
        FilterExpression: "kind = :outbox AND subject = :subject",
        ExpressionAttributeValues: marshall({ ":outbox": "outbox", ":subject": subject }),
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: marshall(start) } : {}),
      }),
    );
    for (const item of page.Items ?? []) types.push(String(unmarshall(item).type));
    start = page.LastEvaluatedKey ? unmarshall(page.LastEvaluatedKey) : undefined;
  } while (start);
  return types.sort();
}

describe("orders", () => {
  describe("create and read", () => {
    it("creates a pending order at version 1 with its total, Location and ETag", async () => {
      const sub = newCaller();

      const answer = await createOrder(sub, { currency: "EUR", items: EUR_ITEMS });

      expect(answer.status).toBe(201);
      const order = orderSchema.strict().parse(answer.body);
      expect(order).toMatchObject({
        ownerId: sub,
        status: "pending",
        currency: "EUR",
        items: EUR_ITEMS,
        total: EUR_TOTAL,
        paidAmount: 0,
        refundedAmount: 0,
        version: 1,
      });
      expect(order.updatedAt).toBe(order.createdAt);
      expect(answer.headers.location).toBe(`/orders/${order.id}`);
      expect(answer.headers.etag).toBe('"1"');

      const read = await getOrder(sub, order.id);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(order);
      expect(read.headers.etag).toBe('"1"');
      expect(await eventTypesAbout(order.id)).toEqual(["order.created"]);
    });

    it("replays a creation sent twice with one key, creating one order", async () => {
      const sub = newCaller();
      const key = randomUUID();
      const body = { currency: "EUR", items: EUR_ITEMS };

      const first = await createOrder(sub, body, key);
      const again = await createOrder(sub, body, key);

      expect(again.status).toBe(201);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(again.body).toEqual(first.body);
      expect(await eventTypesAbout(orderSchema.parse(first.body).id)).toEqual(["order.created"]);
    });

    it("refuses a total over 10^12 as a validation error at path items", async () => {
      const answer = await createOrder(newCaller(), {
        currency: "EUR",
        items: [{ sku: "gold", quantity: 1000, unitPrice: 1e12 }],
      });

      expect(answer.status).toBe(400);
      expect(slugOf(answer)).toBe("validation-error");
      expect(problemSchema.parse(answer.body).errors).toEqual([
        expect.objectContaining({ path: "items" }),
      ]);
    });

    it("answers 404 for a missing order", async () => {
      const answer = await getOrder(newCaller(), "01J0000000000000000000000Z");
      expect(answer.status).toBe(404);
      expect(slugOf(answer)).toBe("not-found");
    });
  });

  describe("update (PATCH with If-Match)", () => {
    const newItems = [{ sku: "mug", quantity: 3, unitPrice: 700 }];

    it("replaces the items of a pending order at the version read", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);

      const answer = await updateOrder(sub, order.id, { items: newItems }, '"1"');

      expect(answer.status).toBe(200);
      expect(answer.headers.etag).toBe('"2"');
      expect(answer.body).toMatchObject({ items: newItems, total: 2100, version: 2 });
      const stored = await readOrder(sub, order.id);
      expect(stored).toMatchObject({ items: newItems, total: 2100, version: 2, status: "pending" });
      expect(stored.createdAt).toBe(order.createdAt);
      expect(await eventTypesAbout(order.id)).toEqual(["order.created", "order.updated"]);
    });

    it("answers 428 without If-Match and changes nothing", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);

      const answer = await updateOrder(sub, order.id, { items: newItems });

      expect(answer.status).toBe(428);
      expect(slugOf(answer)).toBe("precondition-required");
      expect(await readOrder(sub, order.id)).toEqual(order);
    });

    it("answers 412 for a stale version and changes nothing", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);
      await updateOrder(sub, order.id, { items: newItems }, '"1"');

      const answer = await updateOrder(sub, order.id, { items: EUR_ITEMS }, '"1"');

      expect(answer.status).toBe(412);
      expect(slugOf(answer)).toBe("precondition-failed");
      expect(await readOrder(sub, order.id)).toMatchObject({ items: newItems, version: 2 });
    });

    it("answers 409 invalid-state-transition for an order that is no longer pending", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);
      await cancelOrder(sub, order.id);

      const answer = await updateOrder(sub, order.id, { items: newItems }, '"2"');

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("invalid-state-transition");
      expect(await readOrder(sub, order.id)).toMatchObject({
        status: "cancelled",
        items: EUR_ITEMS,
      });
    });

    it("lets one of two concurrent updates at the same version win; the other gets 412", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);

      const answers = await Promise.all([
        updateOrder(sub, order.id, { items: newItems }, '"1"'),
        updateOrder(sub, order.id, { items: [{ sku: "cup", quantity: 1, unitPrice: 1 }] }, '"1"'),
      ]);

      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412]);
      expect(await readOrder(sub, order.id)).toMatchObject({ version: 2 });
    });

    it("applies concurrent updates with If-Match * one after the other", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);

      const answers = await Promise.all([
        updateOrder(sub, order.id, { items: newItems }, "*"),
        updateOrder(sub, order.id, { items: newItems }, "*"),
        updateOrder(sub, order.id, { items: newItems }, "*"),
      ]);

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(await readOrder(sub, order.id)).toMatchObject({ version: 4, total: 2100 });
    });
  });

  describe("cancel", () => {
    it("cancels a pending order", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);

      const answer = await cancelOrder(sub, order.id);

      expect(answer.status).toBe(200);
      expect(answer.headers.etag).toBe('"2"');
      expect(answer.body).toMatchObject({ status: "cancelled", version: 2 });
      expect(await readOrder(sub, order.id)).toMatchObject({ status: "cancelled", version: 2 });
      expect(await eventTypesAbout(order.id)).toEqual(["order.cancelled", "order.created"]);
    });

    it.each([
      ["a cancelled order", "cancelled"],
      ["a paid order", "paid"],
    ] as const)("refuses to cancel %s", async (_name, status) => {
      const sub = newCaller();
      const accountId = await openAccount(sub, "EUR", 10_000);
      const order = await placeOrder(sub);
      if (status === "paid") await payOrder(sub, order.id, accountId);
      else await cancelOrder(sub, order.id);

      const answer = await cancelOrder(sub, order.id);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("invalid-state-transition");
      expect(await readOrder(sub, order.id)).toMatchObject({ status, version: 2 });
    });
  });

  describe("payment", () => {
    it("debits the account by the total and marks the order paid, in one go", async () => {
      const sub = newCaller();
      const accountId = await openAccount(sub, "EUR", 10_000);
      const order = await placeOrder(sub);

      const answer = await payOrder(sub, order.id, accountId);

      expect(answer.status).toBe(201);
      const payment = paymentSchema.strict().parse(answer.body);
      expect(payment).toMatchObject({
        orderId: order.id,
        accountId,
        amount: EUR_TOTAL,
        currency: "EUR",
      });
      expect(answer.headers.location).toBe(`/orders/${order.id}/payment`);
      expect(await readOrder(sub, order.id)).toMatchObject({
        status: "paid",
        paidAmount: EUR_TOTAL,
        refundedAmount: 0,
        version: 2,
      });
      expect(await balanceOf(sub, accountId)).toBe(10_000 - EUR_TOTAL);
      const entries = await entriesOf(sub, accountId);
      expect(entries.at(-1)).toMatchObject({
        type: "payment",
        amount: -EUR_TOTAL,
        balanceAfter: 6000,
        referenceId: payment.id,
      });
      const read = await getPayment(sub, order.id);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(payment);
      expect(await eventTypesAbout(order.id)).toEqual(["order.created", "order.paid"]);
    });

    it("replays a payment sent twice with one key and debits once", async () => {
      const sub = newCaller();
      const accountId = await openAccount(sub, "EUR", 10_000);
      const order = await placeOrder(sub);
      const key = randomUUID();

      const first = await payOrder(sub, order.id, accountId, key);
      const again = await payOrder(sub, order.id, accountId, key);

      expect(again.status).toBe(201);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(again.body).toEqual(first.body);
      expect(await balanceOf(sub, accountId)).toBe(6000);
    });

    it("answers 409 order-already-paid to a second payment under another key", async () => {
      const { sub, accountId, order } = await paidOrder();
      const other = await openAccount(sub, "EUR", 10_000);

      const answer = await payOrder(sub, order.id, other);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("order-already-paid");
      expect(await balanceOf(sub, accountId)).toBe(6000);
      expect(await balanceOf(sub, other)).toBe(10_000);
      expect(paymentSchema.parse((await getPayment(sub, order.id)).body).accountId).toBe(accountId);
    });

    it("answers 409 currency-mismatch for an account in another currency", async () => {
      const sub = newCaller();
      const accountId = await openAccount(sub, "USD", 10_000);
      const order = await placeOrder(sub);

      const answer = await payOrder(sub, order.id, accountId);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("currency-mismatch");
      expect(await balanceOf(sub, accountId)).toBe(10_000);
      expect(await readOrder(sub, order.id)).toMatchObject({ status: "pending", version: 1 });
    });

    it("answers 409 insufficient-funds and changes nothing", async () => {
      const sub = newCaller();
      const accountId = await openAccount(sub, "EUR", EUR_TOTAL - 1);
      const order = await placeOrder(sub);

      const answer = await payOrder(sub, order.id, accountId);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("insufficient-funds");
      expect(await balanceOf(sub, accountId)).toBe(EUR_TOTAL - 1);
      expect(await readOrder(sub, order.id)).toMatchObject({ status: "pending", paidAmount: 0 });
      expect((await getPayment(sub, order.id)).status).toBe(404);
    });

    it("answers 409 invalid-state-transition for a cancelled order", async () => {
      const sub = newCaller();
      const accountId = await openAccount(sub, "EUR", 10_000);
      const order = await placeOrder(sub);
      await cancelOrder(sub, order.id);

      const answer = await payOrder(sub, order.id, accountId);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("invalid-state-transition");
      expect(await balanceOf(sub, accountId)).toBe(10_000);
    });

    it("debits exactly once when 5 payments of one order race under different keys", async () => {
      const sub = newCaller();
      const accountIds = await Promise.all(
        Array.from({ length: 5 }, () => openAccount(sub, "EUR", 10_000)),
      );
      const sameAccount = accountIds[0] ?? "";
      const order = await placeOrder(sub);

      // Four race from the same account, one from another: both kinds of conflict at once.
      const answers = await Promise.all([
        ...Array.from({ length: 4 }, () => payOrder(sub, order.id, sameAccount)),
        payOrder(sub, order.id, accountIds[1] ?? ""),
      ]);

      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409]);
      for (const answer of answers.filter((candidate) => candidate.status === 409)) {
        expect(slugOf(answer)).toBe("order-already-paid");
      }
      const payment = paymentSchema.parse((await getPayment(sub, order.id)).body);
      const balances = await Promise.all(accountIds.map((id) => balanceOf(sub, id)));
      expect(balances.reduce((sum, balance) => sum + balance, 0)).toBe(5 * 10_000 - EUR_TOTAL);
      expect(payment).toMatchObject({ method: "account", status: "succeeded" });
      expect(await balanceOf(sub, String(payment.accountId))).toBe(10_000 - EUR_TOTAL);
      const payments = (await Promise.all(accountIds.map((id) => entriesOf(sub, id))))
        .flat()
        .filter((entry) => entry.type === "payment");
      expect(payments).toEqual([expect.objectContaining({ referenceId: payment.id })]);
      expect(await readOrder(sub, order.id)).toMatchObject({ status: "paid", version: 2 });
      expect(await eventTypesAbout(order.id)).toEqual(["order.created", "order.paid"]);
    });
  });

  describe("refunds", () => {
    it("refunds part, then the rest, crediting the paying account", async () => {
      const { sub, accountId, order } = await paidOrder();

      const partial = await refundOrder(sub, order.id, 1000);

      expect(partial.status).toBe(201);
      const first = refundSchema.strict().parse(partial.body);
      expect(first).toMatchObject({ orderId: order.id, amount: 1000 });
      expect(partial.headers.location).toBe(`/orders/${order.id}/refunds/${first.id}`);
      expect(await readOrder(sub, order.id)).toMatchObject({
        status: "partially_refunded",
        refundedAmount: 1000,
        version: 3,
      });
      expect(await balanceOf(sub, accountId)).toBe(7000);

      const rest = await refundOrder(sub, order.id, 3000);

      expect(rest.status).toBe(201);
      expect(await readOrder(sub, order.id)).toMatchObject({
        status: "refunded",
        paidAmount: EUR_TOTAL,
        refundedAmount: EUR_TOTAL,
        version: 4,
      });
      expect(await balanceOf(sub, accountId)).toBe(10_000);
      const entries = await entriesOf(sub, accountId);
      expect(entries.map((entry) => [entry.type, entry.amount])).toEqual([
        ["deposit", 10_000],
        ["payment", -EUR_TOTAL],
        ["refund", 1000],
        ["refund", 3000],
      ]);
      expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(10_000);
      const read = await getRefund(sub, order.id, first.id);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(first);
      expect(await eventTypesAbout(order.id)).toEqual([
        "order.created",
        "order.paid",
        "order.refunded",
        "order.refunded",
      ]);
    });

    it("answers 409 refund-exceeds-payment and changes nothing", async () => {
      const { sub, accountId, order } = await paidOrder();
      await refundOrder(sub, order.id, 3000);

      const answer = await refundOrder(sub, order.id, 1001);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("refund-exceeds-payment");
      expect(await readOrder(sub, order.id)).toMatchObject({ refundedAmount: 3000, version: 3 });
      expect(await balanceOf(sub, accountId)).toBe(9000);
    });

    it.each([
      ["pending", false],
      ["cancelled", true],
    ])("answers 409 invalid-state-transition for a %s order", async (_status, cancel) => {
      const sub = newCaller();
      const order = await placeOrder(sub);
      if (cancel) await cancelOrder(sub, order.id);

      const answer = await refundOrder(sub, order.id, 1);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("invalid-state-transition");
    });

    it("answers 409 refund-exceeds-payment once the order is fully refunded: nothing is left", async () => {
      const { sub, order } = await paidOrder();
      await refundOrder(sub, order.id, EUR_TOTAL);

      const answer = await refundOrder(sub, order.id, 1);

      expect(answer.status).toBe(409);
      expect(slugOf(answer)).toBe("refund-exceeds-payment");
    });

    it("never refunds more than the payment when refunds race", async () => {
      const { sub, accountId, order } = await paidOrder();

      const answers = await Promise.all(
        Array.from({ length: 6 }, () => refundOrder(sub, order.id, 1500)),
      );

      // 4000 paid: two refunds of 1500 fit, a third would exceed it.
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
      for (const answer of answers.filter((candidate) => candidate.status === 409)) {
        expect(slugOf(answer)).toBe("refund-exceeds-payment");
      }
      expect(await readOrder(sub, order.id)).toMatchObject({
        status: "partially_refunded",
        refundedAmount: 3000,
        version: 4,
      });
      expect(await balanceOf(sub, accountId)).toBe(6000 + 3000);
      const refunds = (await entriesOf(sub, accountId)).filter((entry) => entry.type === "refund");
      expect(refunds.map((entry) => entry.amount)).toEqual([1500, 1500]);
    });

    it("answers 404 for a refund that does not exist", async () => {
      const { sub, order } = await paidOrder();
      const answer = await getRefund(sub, order.id, "01J0000000000000000000000Z");
      expect(answer.status).toBe(404);
    });
  });

  describe("another caller's order", () => {
    it("looks exactly like a missing one, to every route, and stays untouched", async () => {
      const { sub, order } = await paidOrder();
      const refund = refundSchema.parse((await refundOrder(sub, order.id, 100)).body);
      const stranger = newCaller();
      const strangerAccount = await openAccount(stranger, "EUR", 10_000);

      const answers = [
        await getOrder(stranger, order.id),
        await updateOrder(stranger, order.id, { items: EUR_ITEMS }, '"3"'),
        await cancelOrder(stranger, order.id),
        await payOrder(stranger, order.id, strangerAccount),
        await getPayment(stranger, order.id),
        await refundOrder(stranger, order.id, 100),
        await getRefund(stranger, order.id, refund.id),
      ];

      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(slugOf(answer)).toBe("not-found");
      }
      expect(await readOrder(sub, order.id)).toMatchObject({ refundedAmount: 100, version: 3 });
      expect(await balanceOf(stranger, strangerAccount)).toBe(10_000);
    });

    it("refuses to pay one's own order from another caller's account", async () => {
      const sub = newCaller();
      const order = await placeOrder(sub);
      const othersAccount = await openAccount(newCaller(), "EUR", 10_000);

      const answer = await payOrder(sub, order.id, othersAccount);

      expect(answer.status).toBe(404);
      expect(await readOrder(sub, order.id)).toMatchObject({ status: "pending" });
    });
  });
});
