/**
 * THE route table: every HTTP route of the API, as data. The CDK stack (one
 * function per route, granted only what `access` says) and the local gateway
 * (same handlers, same events) both read it; nothing else lists routes. It
 * imports nothing, so reading it never loads a handler.
 */

export type HttpMethod = "GET" | "POST" | "PATCH";
export type TableAccess = "none" | "read" | "write";

/**
 * How a write route is made idempotent (see functions/idempotency/README.md):
 * `commit` when every effect is a DynamoDB write committed in one transaction
 * with the record (every write route of this API but the card routes);
 * `lease` when an effect leaves DynamoDB (a card charge or refund at the
 * processor, in recovery-point phases). `null`: no key, no record (reads, and routes that change
 * nothing).
 */
export type RouteIdempotency = "commit" | "lease" | null;

export interface RouteDefinition {
  /** Stable name: the function's logical id and the OpenAPI operationId. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway path template. */
  readonly path: string;
  /** Handler module, relative to `functions/`; it exports `handler`. */
  readonly entry: string;
  /** Needs an `Idempotency-Key` and runs under the idempotency middleware with this strategy. */
  readonly idempotency: RouteIdempotency;
  /** Behind the JWT authorizer. */
  readonly authenticated: boolean;
  /** What the route's function may do to each table (least privilege). */
  readonly access: { readonly idempotency: TableAccess; readonly data: TableAccess };
  /**
   * Commit strategy: the key's record is read while the handler runs its
   * reads (the layer's `peek`), so a replay skips its transaction and a
   * first execution pays one more read. For a route whose traffic is mostly
   * retries; `npm run bench -- replay-peek` measures both sides.
   * @default false
   */
  readonly peekRecord?: boolean;
  /**
   * Calls the payment processor or verifies its events: on AWS the function
   * may read the processor's secret (its API key and webhook signing secret).
   * @default false
   */
  readonly processorSecret?: boolean;
}

const write = { idempotency: "write", data: "write" } as const;
const read = { idempotency: "none", data: "read" } as const;

export const routes = [
  {
    id: "createAccount",
    method: "POST",
    path: "/accounts",
    entry: "accounts/create-account.handler.ts",
    idempotency: "commit",
    authenticated: true,
    access: write,
  },
  {
    id: "getAccount",
    method: "GET",
    path: "/accounts/{accountId}",
    entry: "accounts/get-account.handler.ts",
    idempotency: null,
    authenticated: true,
    access: read,
  },
  {
    id: "listEntries",
    method: "GET",
    path: "/accounts/{accountId}/entries",
    entry: "accounts/list-entries.handler.ts",
    idempotency: null,
    authenticated: true,
    access: read,
  },
  {
    id: "createDeposit",
    method: "POST",
    path: "/accounts/{accountId}/deposits",
    entry: "accounts/create-deposit.handler.ts",
    idempotency: "commit",
    authenticated: true,
    access: write,
  },
  {
    id: "getDeposit",
    method: "GET",
    path: "/accounts/{accountId}/deposits/{depositId}",
    entry: "accounts/get-deposit.handler.ts",
    idempotency: null,
    authenticated: true,
    access: read,
  },
  {
    id: "createTransfer",
    method: "POST",
    path: "/transfers",
    entry: "transfers/create-transfer.handler.ts",
    idempotency: "commit",
    authenticated: true,
    access: write,
  },
  {
    id: "getTransfer",
    method: "GET",
    path: "/transfers/{transferId}",
    entry: "transfers/get-transfer.handler.ts",
    idempotency: null,
    authenticated: true,
    access: read,
  },
  {
    id: "createOrder",
    method: "POST",
    path: "/orders",
    entry: "orders/create-order.handler.ts",
    idempotency: "commit",
    authenticated: true,
    access: write,
  },
  {
    id: "getOrder",
    method: "GET",
    path: "/orders/{orderId}",
    entry: "orders/get-order.handler.ts",
    idempotency: null,
    authenticated: true,
    access: read,
  },
  {
    id: "updateOrder",
    method: "PATCH",
    path: "/orders/{orderId}",
    entry: "orders/update-order.handler.ts",
    idempotency: "commit",
    authenticated: true,
    access: write,
  },
  {
    id: "cancelOrder",
    method: "POST",
    path: "/orders/{orderId}/cancel",
    entry: "orders/cancel-order.handler.ts",
    idempotency: "commit",
    authenticated: true,
    access: write,
  },
  {
    id: "payOrder",
    method: "POST",
    path: "/orders/{orderId}/payments",
    entry: "orders/pay-order.handler.ts",
    // A card payment's charge leaves DynamoDB: claimed first, in phases.
    idempotency: "lease",
    authenticated: true,
    access: write,
    processorSecret: true,
  },
  {
    id: "getPayment",
    method: "GET",
    path: "/orders/{orderId}/payment",
    entry: "orders/get-payment.handler.ts",
    idempotency: null,
    authenticated: true,
    access: read,
  },
  {
    id: "refundOrder",
    method: "POST",
    path: "/orders/{orderId}/refunds",
    entry: "orders/refund-order.handler.ts",
    // A card-paid order's refund leaves DynamoDB: claimed first, in phases.
    idempotency: "lease",
    authenticated: true,
    access: write,
    processorSecret: true,
  },
  {
    id: "getRefund",
    method: "GET",
    path: "/orders/{orderId}/refunds/{refundId}",
    entry: "orders/get-refund.handler.ts",
    idempotency: null,
    authenticated: true,
    access: read,
  },
  {
    id: "processorWebhook",
    method: "POST",
    path: "/webhooks/processor",
    entry: "webhooks/processor-webhook.handler.ts",
    // Signed by the processor instead of a token; applied once per event id
    // through the function face (its key is the event's id, not a header).
    idempotency: null,
    authenticated: false,
    access: write,
    processorSecret: true,
  },
  {
    id: "issueIdempotencyKey",
    method: "POST",
    path: "/idempotency-keys",
    entry: "key-issuer/issue-key.handler.ts",
    idempotency: null,
    authenticated: true,
    access: { idempotency: "none", data: "none" },
  },
  {
    id: "health",
    method: "GET",
    path: "/health",
    entry: "health/health.handler.ts",
    idempotency: null,
    authenticated: false,
    access: { idempotency: "read", data: "read" },
  },
  {
    // Liveness: the function answers, touching nothing (readiness is /health).
    id: "liveness",
    method: "GET",
    path: "/health/live",
    entry: "health/liveness.handler.ts",
    idempotency: null,
    authenticated: false,
    access: { idempotency: "none", data: "none" },
  },
  {
    id: "openApi",
    method: "GET",
    path: "/openapi.json",
    entry: "api-docs/openapi.handler.ts",
    idempotency: null,
    authenticated: false,
    access: { idempotency: "none", data: "none" },
  },
  {
    id: "docs",
    method: "GET",
    path: "/docs",
    entry: "api-docs/docs.handler.ts",
    idempotency: null,
    authenticated: false,
    access: { idempotency: "none", data: "none" },
  },
  {
    id: "docsScript",
    method: "GET",
    path: "/docs/swagger-ui.js",
    entry: "api-docs/docs-script.handler.ts",
    idempotency: null,
    authenticated: false,
    access: { idempotency: "none", data: "none" },
  },
  {
    id: "docsStyle",
    method: "GET",
    path: "/docs/swagger-ui.css",
    entry: "api-docs/docs-style.handler.ts",
    idempotency: null,
    authenticated: false,
    access: { idempotency: "none", data: "none" },
  },
] as const satisfies readonly RouteDefinition[];

export type RouteId = (typeof routes)[number]["id"];

/** Whether the route needs an `Idempotency-Key`. */
export function isIdempotent(route: RouteDefinition): boolean {
  return route.idempotency !== null;
}

export function routeById(id: RouteId): RouteDefinition {
  const route = routes.find((candidate) => candidate.id === id);
  if (!route) throw new Error(`Unknown route ${id}`);
  return route;
}
