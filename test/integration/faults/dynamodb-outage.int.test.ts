import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { type RouteId, routes } from "../../../functions/routes";
import {
  findFreePort,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from "../../../lib/local/dynamodb-local";
import { LOCAL_PROCESSOR_WEBHOOK_SECRET } from "../../../lib/local/processor-emulator/processor-emulator";
import { type ApiAnswer, type ApiCaller, startTestApi, type TestApi } from "../../support/http-api";

/**
 * DynamoDB really stops: a DynamoDB Local of this file's own, kept on disk,
 * is stopped under a running API and started again on the same folder and
 * port. While it is down every route that touches a table answers 503 with
 * Retry-After (a retry can cure it, so never 500); once it is back the very
 * same requests, with the very same keys, succeed, and move money once.
 */

const dbPath = mkdtempSync(join(tmpdir(), "dynamodb-outage-"));
let port: number;
let dynamodb: RunningDynamoDbLocal;
let api: TestApi;
let alice: ApiCaller;

const startDynamoDb = () => startDynamoDbLocal({ port, dbPath });

beforeAll(async () => {
  port = await findFreePort();
  dynamodb = await startDynamoDb();
  api = await startTestApi({
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    // Tables of this file's own, created by the API on its database.
    IDEMPOTENCY_TABLE_NAME: "outage-idempotency",
    DATA_TABLE_NAME: "outage-data",
  });
  alice = api.caller();
}, 60_000);

afterAll(async () => {
  await api?.close();
  await dynamodb?.stop();
  rmSync(dbPath, { recursive: true, force: true });
});

const items = [{ sku: "book", quantity: 2, unitPrice: 1500 }];

/** What exists before the outage: the ids every route's request points at. */
interface Fixture {
  readonly wallet: string;
  readonly savings: string;
  readonly depositId: string;
  readonly transferId: string;
  readonly paidOrder: string;
  readonly refundId: string;
  readonly pendingOrders: {
    readonly update: string;
    readonly cancel: string;
    readonly pay: string;
  };
}

async function created(answer: Promise<ApiAnswer>): Promise<string> {
  const { status, body, text } = await answer;
  if (status !== 201) throw new Error(`setup failed: ${status} ${text}`);
  return String(body.id);
}

async function arrange(): Promise<Fixture> {
  const wallet = await alice.openAccount("EUR", 10_000);
  const savings = await alice.openAccount("EUR");
  const depositId = await created(alice.post(`/accounts/${wallet}/deposits`, { amount: 100 }));
  const transferId = await created(
    alice.post("/transfers", { fromAccountId: wallet, toAccountId: savings, amount: 100 }),
  );
  const order = () => created(alice.post("/orders", { currency: "EUR", items }));
  const paidOrder = await order();
  await created(alice.post(`/orders/${paidOrder}/payments`, { accountId: wallet }));
  const refundId = await created(alice.post(`/orders/${paidOrder}/refunds`, { amount: 1000 }));
  const pendingOrders = { update: await order(), cancel: await order(), pay: await order() };
  return { wallet, savings, depositId, transferId, paidOrder, refundId, pendingOrders };
}

interface RouteCase {
  /** The request, with its key fixed: the retry after the outage sends it again. */
  readonly send: () => Promise<ApiAnswer>;
  /** Its answer once DynamoDB is back. */
  readonly servedWith: number;
  /** The route touches no table: the outage does not concern it. */
  readonly touchesNoTable?: true;
}

/** One request per route of the route table: a new route without a case fails the test. */
function routeCases(f: Fixture): Record<RouteId, RouteCase> {
  const keyed =
    (method: "post" | "patch", path: string, body: unknown, headers?: Record<string, string>) =>
    () => {
      const key = randomUUID();
      return () => alice[method](path, body, { key, ...(headers ? { headers } : {}) });
    };
  const get = (path: string) => () => alice.get(path);
  const anonymous = (path: string) => () => fetch(`${api.url}${path}`).then(answerOf);
  return {
    createAccount: { send: keyed("post", "/accounts", { currency: "EUR" })(), servedWith: 201 },
    getAccount: { send: get(`/accounts/${f.wallet}`), servedWith: 200 },
    listEntries: { send: get(`/accounts/${f.wallet}/entries?limit=10`), servedWith: 200 },
    createDeposit: {
      send: keyed("post", `/accounts/${f.savings}/deposits`, { amount: 700 })(),
      servedWith: 201,
    },
    getDeposit: { send: get(`/accounts/${f.wallet}/deposits/${f.depositId}`), servedWith: 200 },
    createTransfer: {
      send: keyed("post", "/transfers", {
        fromAccountId: f.wallet,
        toAccountId: f.savings,
        amount: 300,
      })(),
      servedWith: 201,
    },
    getTransfer: { send: get(`/transfers/${f.transferId}`), servedWith: 200 },
    createOrder: { send: keyed("post", "/orders", { currency: "EUR", items })(), servedWith: 201 },
    getOrder: { send: get(`/orders/${f.paidOrder}`), servedWith: 200 },
    updateOrder: {
      send: keyed(
        "patch",
        `/orders/${f.pendingOrders.update}`,
        { items: [{ sku: "pen", quantity: 1, unitPrice: 200 }] },
        { "if-match": '"1"' },
      )(),
      servedWith: 200,
    },
    cancelOrder: {
      send: keyed("post", `/orders/${f.pendingOrders.cancel}/cancel`, undefined)(),
      servedWith: 200,
    },
    payOrder: {
      send: keyed("post", `/orders/${f.pendingOrders.pay}/payments`, { accountId: f.wallet })(),
      servedWith: 201,
    },
    getPayment: { send: get(`/orders/${f.paidOrder}/payment`), servedWith: 200 },
    refundOrder: {
      send: keyed("post", `/orders/${f.paidOrder}/refunds`, { amount: 500 })(),
      servedWith: 201,
    },
    getRefund: { send: get(`/orders/${f.paidOrder}/refunds/${f.refundId}`), servedWith: 200 },
    issueIdempotencyKey: {
      send: () => alice.post("/idempotency-keys", undefined, { key: null }),
      servedWith: 201,
      touchesNoTable: true,
    },
    processorWebhook: { send: signedEvent(), servedWith: 200 },
    health: { send: anonymous("/health"), servedWith: 200 },
    liveness: { send: anonymous("/health/live"), servedWith: 200, touchesNoTable: true },
    openApi: { send: anonymous("/openapi.json"), servedWith: 200, touchesNoTable: true },
    docs: { send: anonymous("/docs"), servedWith: 200, touchesNoTable: true },
    docsScript: { send: anonymous("/docs/swagger-ui.js"), servedWith: 200, touchesNoTable: true },
    docsStyle: { send: anonymous("/docs/swagger-ui.css"), servedWith: 200, touchesNoTable: true },
  };
}

/** A processor event of a type the API ignores, signed as the processor signs: it still records its id. */
function signedEvent() {
  const payload = JSON.stringify({
    id: `evt_${randomUUID().replaceAll("-", "")}`,
    object: "event",
    type: "customer.created",
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: "cus_1", object: "customer" } },
  });
  return () =>
    fetch(`${api.url}/webhooks/processor`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: LOCAL_PROCESSOR_WEBHOOK_SECRET,
        }),
      },
      body: payload,
    }).then(answerOf);
}

async function answerOf(response: Response): Promise<ApiAnswer> {
  const text = await response.text();
  const json = response.headers.get("content-type")?.includes("json") && text.startsWith("{");
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: json ? (JSON.parse(text) as ApiAnswer["body"]) : {},
  };
}

describe("a DynamoDB outage", () => {
  it("answers 503 with Retry-After on every route that touches a table; the same requests succeed once DynamoDB is back", async () => {
    const fixture = await arrange();
    const cases = routeCases(fixture);
    expect(Object.keys(cases).sort()).toEqual(routes.map((route) => route.id).sort());
    const before = { wallet: await alice.balanceOf(fixture.wallet) };

    await dynamodb.stop();
    const during: Record<string, ApiAnswer> = {};
    for (const [id, route] of Object.entries(cases)) during[id] = await route.send();

    for (const [id, route] of Object.entries(cases)) {
      const answer = during[id];
      const seen = { id, status: answer?.status, retryAfter: answer?.headers.get("retry-after") };
      if (route.touchesNoTable) {
        expect(seen).toEqual({ id, status: route.servedWith, retryAfter: null });
        continue;
      }
      expect(seen).toEqual({ id, status: 503, retryAfter: expect.stringMatching(/^[1-9][0-9]*$/) });
      expect(answer?.headers.get("content-type")).toBe("application/problem+json");
      expect(answer?.body.type).toMatch(
        /\/problems\/(service-unavailable|idempotency-store-unavailable)$/,
      );
    }

    dynamodb = await startDynamoDb();
    const after: Record<string, ApiAnswer> = {};
    for (const [id, route] of Object.entries(cases)) after[id] = await route.send();
    const statuses = Object.fromEntries(Object.entries(after).map(([id, a]) => [id, a.status]));
    expect(statuses).toEqual(
      Object.fromEntries(Object.entries(cases).map(([id, route]) => [id, route.servedWith])),
    );
    for (const id of Object.keys(cases)) {
      expect({ id, replayed: after[id]?.headers.get("idempotent-replayed") }).toEqual({
        id,
        replayed: null,
      });
    }

    // Each movement once: the wallet paid the transfer (300) and the order
    // (3000), and got the refund (500) back.
    expect(await alice.balanceOf(fixture.wallet)).toBe(before.wallet - 300 - 3000 + 500);
    // The retried deposit lands once, and a second retry is its replay.
    const again = await cases.createDeposit.send();
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await alice.balanceOf(fixture.savings)).toBe(100 + 700 + 300);
  }, 120_000);
});
