import createClient from "openapi-fetch";
import { type Clock, systemClock } from "./clock";
import { DEFAULT_RETRY_OPTIONS, type RetryOptions } from "./retry-policy";
import { type Answer, callWithRetries, type Sent } from "./retrying-call";
import type { paths } from "./schema";
import type {
  Account,
  CreateAccountRequest,
  CreateDepositRequest,
  CreateOrderRequest,
  CreateTransferRequest,
  Deposit,
  EntriesQuery,
  Health,
  IssuedKey,
  LedgerPage,
  OpenApiDocument,
  Order,
  Payment,
  PayOrderRequest,
  Refund,
  RefundOrderRequest,
  Transfer,
  UpdateOrderRequest,
} from "./types";

export interface PaymentsClientOptions {
  /** `http://127.0.0.1:3000` for `npm start`; the stack's ApiUrl on AWS. */
  readonly baseUrl: string;
  /** The bearer token, or a function that gives a fresh one (asked before every attempt). */
  readonly token?: string | (() => string | Promise<string>);
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** Budget and backoff of every call; each call may override them. */
  readonly retry?: Partial<RetryOptions>;
  /** @default the system's clock, timers and Math.random */
  readonly clock?: Clock;
}

export interface CallOptions {
  /** Abandons the call (no further attempt); the signal's reason is thrown. */
  readonly signal?: AbortSignal;
  readonly retry?: Partial<RetryOptions>;
}

export interface WriteOptions extends CallOptions {
  /**
   * The key of this logical operation: pass the key of an earlier call that
   * ended without an answer (the error carries it) to finish it once.
   * @default a fresh crypto.randomUUID() for each call
   */
  readonly idempotencyKey?: string;
}

export interface UpdateOrderOptions extends WriteOptions {
  /** The version you read (`order.version`), an ETag as received (`"3"`), or `*` for any. */
  readonly ifMatch: number | string;
}

/** What each request is sent with: the caller's token and the attempt's signal. */
type AttemptInit = {
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal;
};

/**
 * A client of the payments API: one method per operation of the OpenAPI
 * document, typed from it. Every write carries one Idempotency-Key for all
 * of its attempts; failures worth retrying are retried (see retry-policy.ts).
 */
export function createPaymentsClient(options: PaymentsClientOptions) {
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const clock = options.clock ?? systemClock;

  async function attemptInit(signal: AbortSignal): Promise<AttemptInit> {
    const token = typeof options.token === "function" ? await options.token() : options.token;
    return { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` }, signal };
  }

  function call<T>(
    operationId: string,
    idempotencyKey: string | undefined,
    callOptions: CallOptions,
    send: (init: AttemptInit) => Promise<Sent<T>>,
  ): Promise<Answer<T>> {
    return callWithRetries(async (signal) => send(await attemptInit(signal)), {
      operationId,
      idempotencyKey,
      retry: { ...DEFAULT_RETRY_OPTIONS, ...options.retry, ...callOptions.retry },
      clock,
      signal: callOptions.signal,
    });
  }

  const read = <T>(
    operationId: string,
    callOptions: CallOptions,
    send: (init: AttemptInit) => Promise<Sent<T>>,
  ) => call(operationId, undefined, callOptions, send);

  /** One key for the logical write, on every attempt of it. */
  const write = <T>(
    operationId: string,
    callOptions: WriteOptions,
    send: (init: AttemptInit, key: { "Idempotency-Key": string }) => Promise<Sent<T>>,
  ) => {
    const key = callOptions.idempotencyKey ?? crypto.randomUUID();
    return call(operationId, key, callOptions, (init) => send(init, { "Idempotency-Key": key }));
  };

  return {
    createAccount: (body: CreateAccountRequest, o: WriteOptions = {}) =>
      write<Account>("createAccount", o, (init, header) =>
        api.POST("/accounts", { ...init, params: { header }, body }),
      ),
    getAccount: (accountId: string, o: CallOptions = {}) =>
      read<Account>("getAccount", o, (init) =>
        api.GET("/accounts/{accountId}", { ...init, params: { path: { accountId } } }),
      ),
    listEntries: (accountId: string, query: EntriesQuery = {}, o: CallOptions = {}) =>
      read<LedgerPage>("listEntries", o, (init) =>
        api.GET("/accounts/{accountId}/entries", {
          ...init,
          params: { path: { accountId }, query },
        }),
      ),
    createDeposit: (accountId: string, body: CreateDepositRequest, o: WriteOptions = {}) =>
      write<Deposit>("createDeposit", o, (init, header) =>
        api.POST("/accounts/{accountId}/deposits", {
          ...init,
          params: { header, path: { accountId } },
          body,
        }),
      ),
    getDeposit: (accountId: string, depositId: string, o: CallOptions = {}) =>
      read<Deposit>("getDeposit", o, (init) =>
        api.GET("/accounts/{accountId}/deposits/{depositId}", {
          ...init,
          params: { path: { accountId, depositId } },
        }),
      ),
    createTransfer: (body: CreateTransferRequest, o: WriteOptions = {}) =>
      write<Transfer>("createTransfer", o, (init, header) =>
        api.POST("/transfers", { ...init, params: { header }, body }),
      ),
    getTransfer: (transferId: string, o: CallOptions = {}) =>
      read<Transfer>("getTransfer", o, (init) =>
        api.GET("/transfers/{transferId}", { ...init, params: { path: { transferId } } }),
      ),
    createOrder: (body: CreateOrderRequest, o: WriteOptions = {}) =>
      write<Order>("createOrder", o, (init, header) =>
        api.POST("/orders", { ...init, params: { header }, body }),
      ),
    getOrder: (orderId: string, o: CallOptions = {}) =>
      read<Order>("getOrder", o, (init) =>
        api.GET("/orders/{orderId}", { ...init, params: { path: { orderId } } }),
      ),
    updateOrder: (orderId: string, body: UpdateOrderRequest, o: UpdateOrderOptions) =>
      write<Order>("updateOrder", o, (init, header) =>
        api.PATCH("/orders/{orderId}", {
          ...init,
          params: { header: { ...header, "If-Match": ifMatchOf(o.ifMatch) }, path: { orderId } },
          body,
        }),
      ),
    cancelOrder: (orderId: string, o: WriteOptions = {}) =>
      write<Order>("cancelOrder", o, (init, header) =>
        api.POST("/orders/{orderId}/cancel", { ...init, params: { header, path: { orderId } } }),
      ),
    payOrder: (orderId: string, body: PayOrderRequest, o: WriteOptions = {}) =>
      write<Payment>("payOrder", o, (init, header) =>
        api.POST("/orders/{orderId}/payments", {
          ...init,
          params: { header, path: { orderId } },
          body,
        }),
      ),
    getPayment: (orderId: string, o: CallOptions = {}) =>
      read<Payment>("getPayment", o, (init) =>
        api.GET("/orders/{orderId}/payment", { ...init, params: { path: { orderId } } }),
      ),
    refundOrder: (orderId: string, body: RefundOrderRequest, o: WriteOptions = {}) =>
      write<Refund>("refundOrder", o, (init, header) =>
        api.POST("/orders/{orderId}/refunds", {
          ...init,
          params: { header, path: { orderId } },
          body,
        }),
      ),
    getRefund: (orderId: string, refundId: string, o: CallOptions = {}) =>
      read<Refund>("getRefund", o, (init) =>
        api.GET("/orders/{orderId}/refunds/{refundId}", {
          ...init,
          params: { path: { orderId, refundId } },
        }),
      ),
    issueIdempotencyKey: (o: CallOptions = {}) =>
      read<IssuedKey>("issueIdempotencyKey", o, (init) => api.POST("/idempotency-keys", init)),
    health: (o: CallOptions = {}) => read<Health>("health", o, (init) => api.GET("/health", init)),
    liveness: (o: CallOptions = {}) =>
      read<Health>("liveness", o, (init) => api.GET("/health/live", init)),
    openApi: (o: CallOptions = {}) =>
      read<OpenApiDocument>("openApi", o, (init) => api.GET("/openapi.json", init)),
  };
}

export type PaymentsClient = ReturnType<typeof createPaymentsClient>;

/** Operations of the document that no client calls: the payment processor posts its events itself. */
export const OPERATIONS_NOT_FOR_CLIENTS: readonly string[] = ["processorWebhook"];

/** `If-Match` from a version number, or an ETag / `*` as given. */
function ifMatchOf(ifMatch: number | string): string {
  return typeof ifMatch === "number" ? `"${ifMatch}"` : ifMatch;
}
