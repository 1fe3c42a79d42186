import { createHmac } from "node:crypto";
import { emulatorId } from "./emulator-ids";
import type { Charge, EventType, PaymentIntent, StripeEvent } from "./stripe-objects";

/**
 * The emulator's webhook events: queued as the API creates things, signed as
 * Stripe signs them (`Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
 * of "t.payload">`), and delivered at least once to the webhook URL when one
 * is set (retried with a short backoff on a non-2xx answer or a connection
 * error, a bounded number of times), else held for the test to deliver.
 */

/** The API version the emulated events say they were rendered with. */
export const EMULATED_API_VERSION = "2026-11-18.endive";

/** How a delivery is signed: rightly, with a wrong secret, or with a timestamp 10 minutes old. */
export type SignatureKind = "valid" | "bad" | "stale";

const STALE_SIGNATURE_AGE_SECONDS = 600;
const ATTEMPT_TIMEOUT_MS = 5_000;

export interface DeliveryAttempt {
  /** The HTTP status, or 0 when the connection failed. */
  readonly status: number;
  readonly signature: SignatureKind;
}

export interface EmulatedEvent {
  readonly event: StripeEvent;
  /** The exact bytes every delivery sends (a redelivery is byte-identical, as Stripe's). */
  readonly payload: string;
  readonly attempts: readonly DeliveryAttempt[];
  /** True once a valid delivery was answered 2xx. */
  readonly delivered: boolean;
}

export interface SignedDelivery {
  readonly payload: string;
  readonly headers: { readonly "content-type": string; readonly "stripe-signature": string };
}

export interface WebhookSenderOptions {
  readonly secret: string;
  /** Where deliveries go; undefined holds them. */
  readonly url: string | undefined;
  readonly now: () => number;
  /** @default 5 */
  readonly maxAttempts?: number;
  /** Doubled after each failed attempt. @default 200 */
  readonly initialRetryDelayMs?: number;
}

interface EventState {
  readonly event: StripeEvent;
  readonly payload: string;
  readonly attempts: DeliveryAttempt[];
  delivered: boolean;
}

export class WebhookSender {
  private readonly states = new Map<string, EventState>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly aborts = new AbortController();
  private held: boolean;
  private url: string | undefined;

  constructor(private readonly options: WebhookSenderOptions) {
    this.url = options.url;
    this.held = options.url === undefined;
  }

  /** Queues an event for `object`, delivered at once unless deliveries are held. */
  emit(type: EventType, object: PaymentIntent | Charge): StripeEvent {
    const event: StripeEvent = {
      id: emulatorId("evt"),
      object: "event",
      api_version: EMULATED_API_VERSION,
      created: Math.floor(this.options.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      type,
      data: { object },
    };
    const state: EventState = {
      event,
      payload: JSON.stringify(event),
      attempts: [],
      delivered: false,
    };
    this.states.set(event.id, state);
    if (!this.held) this.deliverWithRetries(state);
    return event;
  }

  /** Stops automatic deliveries: events queue until {@link resume} or a test delivers them. */
  hold(): void {
    this.held = true;
  }

  /** Delivers, with retries, every event not delivered yet, and every new one from now on. */
  resume(url: string | undefined = this.url): void {
    if (url === undefined) throw new Error("No webhookUrl to deliver to");
    this.url = url;
    this.held = false;
    for (const state of this.states.values()) {
      if (!state.delivered) this.deliverWithRetries(state);
    }
  }

  events(): EmulatedEvent[] {
    return [...this.states.values()].map((state) => ({
      event: state.event,
      payload: state.payload,
      attempts: [...state.attempts],
      delivered: state.delivered,
    }));
  }

  /** The body and headers of one delivery of `eventId`, to hand to a handler directly. */
  signed(eventId: string, signature: SignatureKind = "valid"): SignedDelivery {
    const state = this.state(eventId);
    return {
      payload: state.payload,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "stripe-signature": this.signatureHeader(state.payload, signature),
      },
    };
  }

  /** Delivers `eventId` once per `times`, no retries; the statuses, 0 for a failed connection. */
  async deliver(
    eventId: string,
    options: {
      readonly signature?: SignatureKind;
      readonly times?: number;
      readonly url?: string;
    } = {},
  ): Promise<DeliveryAttempt[]> {
    const state = this.state(eventId);
    const url = options.url ?? this.url;
    if (url === undefined) throw new Error("No webhookUrl to deliver to: pass a url");
    const attempts: DeliveryAttempt[] = [];
    for (let i = 0; i < (options.times ?? 1); i++) {
      attempts.push(await this.track(this.attempt(state, url, options.signature ?? "valid")));
    }
    return attempts;
  }

  /** Resolves once no delivery is in flight or waiting for its retry. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops retries and in-flight deliveries. */
  async close(): Promise<void> {
    this.aborts.abort();
    await this.settled();
  }

  private state(eventId: string): EventState {
    const state = this.states.get(eventId);
    if (!state) throw new Error(`No event ${eventId}`);
    return state;
  }

  private signatureHeader(payload: string, kind: SignatureKind): string {
    const nowSeconds = Math.floor(this.options.now() / 1000);
    const timestamp = kind === "stale" ? nowSeconds - STALE_SIGNATURE_AGE_SECONDS : nowSeconds;
    const secret = kind === "bad" ? `${this.options.secret}-not` : this.options.secret;
    const mac = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
    return `t=${timestamp},v1=${mac}`;
  }

  /** Delivers until a 2xx, `maxAttempts` at most, the delay doubling after each failure. */
  private deliverWithRetries(state: EventState): void {
    const url = this.url;
    if (url === undefined || this.aborts.signal.aborted) return;
    const maxAttempts = this.options.maxAttempts ?? 5;
    void this.track(
      (async () => {
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          if (attempt > 1) {
            const delay = (this.options.initialRetryDelayMs ?? 200) * 2 ** (attempt - 2);
            if (!(await this.pause(delay))) return;
          }
          const { status } = await this.attempt(state, url, "valid");
          if (isSuccess(status) || this.aborts.signal.aborted) return;
        }
      })(),
    );
  }

  /** Waits `ms`; false when the sender closed meanwhile. */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.aborts.signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      // A pending retry never keeps a process (npm start, a test) alive.
      timer.unref();
      this.aborts.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private async attempt(
    state: EventState,
    url: string,
    signature: SignatureKind,
  ): Promise<DeliveryAttempt> {
    let status = 0;
    try {
      const answer = await fetch(url, {
        method: "POST",
        headers: this.signed(state.event.id, signature).headers,
        body: state.payload,
        signal: AbortSignal.any([this.aborts.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      status = answer.status;
      await answer.arrayBuffer();
    } catch {
      // A refused connection, a timeout or the emulator closing: status 0, retried.
    }
    const attempt: DeliveryAttempt = { status, signature };
    state.attempts.push(attempt);
    if (signature === "valid" && isSuccess(status)) state.delivered = true;
    return attempt;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
