import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleControlRequest } from "./control-routes";
import { type ApiAnswer, EmulatedApi } from "./emulated-api";
import { emulatorId } from "./emulator-ids";
import { type ArmedFault, FaultQueue, type FaultSpec } from "./faults";
import { FormParams } from "./form-params";
import { HeldRequests } from "./held-requests";
import { IdempotencyKeys, refusalOf } from "./idempotency-keys";
import { type PaymentIntent, type Refund, stripeError } from "./stripe-objects";
import {
  type DeliveryAttempt,
  type EmulatedEvent,
  type SignatureKind,
  type SignedDelivery,
  WebhookSender,
} from "./webhook-sender";

/**
 * A local stand-in for Stripe's PaymentIntents API: the contract's processor
 * subset (create and retrieve a confirmed payment intent, create a refund),
 * Stripe's shapes and idempotency, signed webhooks, and controls to play the
 * faults a caller must survive. It is a test double, not product code: the
 * product talks to it through the official `stripe` client, exactly as to
 * Stripe (only the base URL differs). No package emulates Stripe's
 * idempotency and faults in-process, so it is written here on node:http.
 *
 * The controls are methods of the returned object and, for an emulator in
 * another process (`npm start`), the same under `/__emulator/` (see
 * control-routes.ts).
 */

/** The API key `npm start` gives the handlers and its emulator. */
export const LOCAL_PROCESSOR_API_KEY = "sk_test_local";
/** The webhook signing secret `npm start` gives the handlers and its emulator. */
export const LOCAL_PROCESSOR_WEBHOOK_SECRET = "whsec_local_emulator_signing_secret";

const MAX_BODY_BYTES = 1024 * 1024;

export interface ProcessorEmulatorOptions {
  /** @default 0, a free port chosen by the OS */
  readonly port?: number;
  /** The one API key accepted as `Authorization: Bearer <key>`. @default LOCAL_PROCESSOR_API_KEY */
  readonly apiKey?: string;
  /** The secret events are signed with (`whsec_…`). */
  readonly webhookSecret: string;
  /** Where events are POSTed; without one they are held for the test to deliver. */
  readonly webhookUrl?: string;
  /** Delivery attempts per event before giving up (automatic deliveries). @default 5 */
  readonly webhookMaxAttempts?: number;
  /** The first retry's delay, doubled after each failure. @default 200 */
  readonly webhookRetryDelayMs?: number;
  /** A fixed latency added to every API answer (for benchmarks). @default 0 */
  readonly latencyMs?: number;
  /** The clock of `created`, key expiry and signature timestamps. @default Date.now */
  readonly now?: () => number;
}

/** What the emulator lets a test do and see. */
export interface ProcessorEmulatorControls {
  /** Arms a fault on the next `times` matching API calls (see faults.ts). */
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Lets every `hang`-held request go on; returns how many there were. */
  releaseHeld(): number;
  /** Payment intents (charge attempts) created with this idempotency key, or in all. */
  chargesCreated(idempotencyKey?: string): number;
  /** Refunds created with this idempotency key, or in all. */
  refundsCreated(idempotencyKey?: string): number;
  paymentIntents(): PaymentIntent[];
  refunds(): Refund[];
  /** Every event, oldest first, with its delivery attempts. */
  events(): EmulatedEvent[];
  /** Delivers one event (again, late, out of order, badly signed), without retries. */
  deliverEvent(
    eventId: string,
    options?: {
      readonly signature?: SignatureKind;
      readonly times?: number;
      readonly url?: string;
    },
  ): Promise<DeliveryAttempt[]>;
  /** One delivery's body and headers, to hand to a webhook handler in-process. */
  signedEvent(eventId: string, signature?: SignatureKind): SignedDelivery;
  /** Queues events instead of delivering them. */
  holdWebhooks(): void;
  /**
   * Delivers everything queued, and new events from now on, to `url` (which
   * becomes the webhook URL) or to `webhookUrl`.
   */
  resumeWebhooks(url?: string): void;
  /** Resolves once no delivery is in flight or waiting for its retry. */
  webhooksSettled(): Promise<void>;
}

export interface ProcessorEmulator extends ProcessorEmulatorControls {
  /** The base URL, e.g. `http://127.0.0.1:12111`: PAYMENT_PROCESSOR_URL. */
  readonly url: string;
  readonly port: number;
  /** Ends held requests, webhook retries and the server. */
  close(): Promise<void>;
}

/**
 * @example
 * const processor = await startProcessorEmulator({ webhookSecret: "whsec_test" });
 * processor.injectFault({ kind: "charge-then-drop", path: "/v1/payment_intents" });
 * // … the code under test calls processor.url …
 * expect(processor.chargesCreated(key)).toBe(1);
 * await processor.close();
 */
export async function startProcessorEmulator(
  options: ProcessorEmulatorOptions,
): Promise<ProcessorEmulator> {
  const now = options.now ?? Date.now;
  const apiKey = options.apiKey ?? LOCAL_PROCESSOR_API_KEY;
  const webhooks = new WebhookSender({
    secret: options.webhookSecret,
    url: options.webhookUrl,
    now,
    ...(options.webhookMaxAttempts === undefined
      ? {}
      : { maxAttempts: options.webhookMaxAttempts }),
    ...(options.webhookRetryDelayMs === undefined
      ? {}
      : { initialRetryDelayMs: options.webhookRetryDelayMs }),
  });
  const api = new EmulatedApi(webhooks, now);
  const keys = new IdempotencyKeys(now);
  const faults = new FaultQueue();
  const held = new HeldRequests();

  const controls: ProcessorEmulatorControls = {
    injectFault: (spec) => faults.arm(spec),
    clearFaults: () => faults.clear(),
    releaseHeld: () => held.release(),
    chargesCreated: (key) => api.chargesCreated(key),
    refundsCreated: (key) => api.refundsCreated(key),
    paymentIntents: () => api.paymentIntents(),
    refunds: () => api.refunds(),
    events: () => webhooks.events(),
    deliverEvent: (eventId, deliveryOptions) => webhooks.deliver(eventId, deliveryOptions),
    signedEvent: (eventId, signature) => webhooks.signed(eventId, signature),
    holdWebhooks: () => webhooks.hold(),
    resumeWebhooks: (url) => webhooks.resume(url),
    webhooksSettled: () => webhooks.settled(),
  };

  const serveApi = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    const body = await readBody(request);
    if (body === undefined) {
      return send(response, 413, stripeError("invalid_request_error", "Request body too large."));
    }
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      // Never echo the key a caller sent.
      return send(response, 401, stripeError("invalid_request_error", "Invalid API Key provided."));
    }
    const method = request.method ?? "GET";
    const operation = operationOf(method, path);
    if (!operation) {
      return send(
        response,
        404,
        stripeError("invalid_request_error", `Unrecognized request URL (${method}: ${path}).`),
      );
    }
    // Every answer takes the network's time, replays and refusals included.
    if ((await held.sleep(options.latencyMs ?? 0)) === "closed") {
      response.socket?.destroy();
      return;
    }
    const fault = faults.take(method, path);
    if (fault?.kind === "server-error") return send(response, 500, internalError());

    const params = new FormParams(body);
    const key = method === "POST" ? headerValue(request, "idempotency-key") : undefined;
    const scope = apiKey;
    if (key !== undefined) {
      const claim = keys.claim(scope, key, JSON.stringify([method, path, params.fingerprint()]));
      if (claim.kind === "replay") {
        return answer(response, claim.answer, fault, {
          "idempotency-key": key,
          "idempotent-replayed": "true",
        });
      }
      if (claim.kind !== "claimed") {
        const refusal = refusalOf(claim.kind, key);
        return send(response, refusal.statusCode, refusal.body, { "idempotency-key": key });
      }
    }

    if ((await faultWait(held, fault)) === "closed") {
      if (key !== undefined) keys.finish(scope, key, undefined);
      response.socket?.destroy();
      return;
    }
    const result = operation(api, params, key);
    if (key !== undefined) keys.finish(scope, key, result.keepForKey ? result : undefined);
    return answer(response, result, fault, key === undefined ? {} : { "idempotency-key": key });
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://emulator").pathname;
    const served = path.startsWith("/__emulator/")
      ? handleControlRequest(controls, request, response, path)
      : serveApi(request, response, path);
    served.catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, internalError());
      else response.destroy(error instanceof Error ? error : undefined);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    ...controls,
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closed ??= (async () => {
        held.close();
        await webhooks.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}

type Operation = (api: EmulatedApi, params: FormParams, key: string | undefined) => ApiAnswer;

const INTENT_PATH = /^\/v1\/payment_intents\/([A-Za-z0-9_]+)$/;

function operationOf(method: string, path: string): Operation | undefined {
  if (method === "POST" && path === "/v1/payment_intents") {
    return (api, params, key) => api.createPaymentIntent(params, key);
  }
  if (method === "POST" && path === "/v1/refunds") {
    return (api, params, key) => api.createRefund(params, key);
  }
  const intentId = INTENT_PATH.exec(path)?.[1];
  if (method === "GET" && intentId !== undefined) {
    return (api) => api.retrievePaymentIntent(intentId);
  }
  return undefined;
}

/** The fault's own wait: `slow` sleeps, `hang` holds until released. */
async function faultWait(
  held: HeldRequests,
  fault: ArmedFault | undefined,
): Promise<"go" | "closed"> {
  if (fault?.kind === "slow" && (await held.sleep(fault.delayMs ?? 0)) === "closed")
    return "closed";
  if (fault?.kind === "hang" && (await held.hold()) === "closed") return "closed";
  return "go";
}

/** Sends the answer, or what the armed fault does to it once the call took effect. */
function answer(
  response: ServerResponse,
  result: { readonly statusCode: number; readonly body: unknown },
  fault: ArmedFault | undefined,
  headers: Record<string, string>,
): void {
  if (fault?.kind === "charge-then-drop") {
    response.socket?.destroy();
    return;
  }
  if (fault?.kind === "charge-then-server-error") {
    send(response, 500, internalError());
    return;
  }
  send(response, result.statusCode, result.body, headers);
}

function internalError() {
  return stripeError(
    "api_error",
    "An unknown error occurred (injected by the processor emulator).",
  );
}

function send(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(statusCode, {
    "content-type": "application/json",
    "content-length": String(bytes.length),
    "request-id": emulatorId("req"),
    ...headers,
  });
  response.end(bytes);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as text, or undefined past the limit. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}
