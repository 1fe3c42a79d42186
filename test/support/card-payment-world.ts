import type { Scheduler } from "fast-check";
import type { Refusal } from "../../functions/domain/refusals";
import {
  beginAttempt,
  commitHttpAnswer,
  type IdempotencyCoreOptions,
  IdempotencyError,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
  makeIdempotent,
  type RequestIdentity,
} from "../../functions/idempotency";
import type { Beginning, IdempotentAttempt } from "../../functions/idempotency/core/attempt";
import type { Commit } from "../../functions/idempotency/core/commit";
import { resolveCoreOptions } from "../../functions/idempotency/core/options";
import { REPLAYED_HEADER } from "../../functions/idempotency/http/constants";
import { storableAnswer } from "../../functions/idempotency/http/http-commit";
import { callerRecordKey } from "../../functions/idempotency/http/middleware";
import { fingerprint } from "../../functions/idempotency/http/request-fingerprint";
import {
  type HttpResponse,
  type HttpResult,
  normalizeResponse,
  toReplayResponse,
} from "../../functions/idempotency/http/response";
import { type CardPaymentPorts, payOrderByCard } from "../../functions/orders/card-payments";
import { newOrder, type Order, type Payment } from "../../functions/orders/order";
import { orderAnswers } from "../../functions/orders/order-answers";
import type { PaymentProcessor } from "../../functions/processor/payment-processor";
import type { ProcessorEvent } from "../../functions/processor/processor-events";
import {
  type ReconcileReport,
  reconcileUnsettled,
} from "../../functions/reconciler/reconcile-unsettled";
import { renderProblem } from "../../functions/shared/http/problem-details";
import { problemOf } from "../../functions/shared/http/problem-errors-middleware";
import type { Logger } from "../../functions/shared/observability/logger";
import { commitAsAnswer } from "../../functions/shared/write-ports";
import {
  applyProcessorEvent,
  type WebhookOutcome,
} from "../../functions/webhooks/apply-processor-event";
import { FakePaymentProcessor, type UnknownFault } from "./fake-payment-processor";
import { InMemoryOrderRepository } from "./in-memory-order-repository";
import {
  type Pause,
  pausingOrderRepository,
  pausingProcessor,
  pausingStore,
} from "./pausing-ports";

/**
 * The card-payment system in memory, driven as production drives it: a
 * client's request runs `payOrderByCard` through the idempotency layer's
 * lease lifecycle (as the HTTP middleware does), the reconciler and the
 * webhook use case run as their handlers run them, all over one in-memory
 * idempotency store, one in-memory order repository and a fake processor,
 * on a simulated clock. Operations run one after the other, or race under
 * a scheduler that orders their round trips. Nothing here decides a
 * business outcome: it only wires the product's code and injects faults.
 */

/** How one client attempt ends, besides the way the product ends it. */
export type AttemptFate =
  /** Runs to its answer. */
  | "completes"
  /** The process dies right after phase 1 (`started`) committed: no abandon, the lease stays. */
  | "crashes-after-start"
  /** The process dies right after the processor charged: its answer never reaches the API. */
  | "crashes-after-charge"
  /** The processor's answer is lost (a timeout), the request never arrived: 503. */
  | "unknown-before-charging"
  /** The processor's answer is lost (a timeout) after it charged: 503. */
  | "unknown-after-charging";

/** What the client saw, or that it saw nothing (its attempt died). */
export type ClientAnswer =
  | {
      readonly kind: "answered";
      readonly statusCode: number;
      readonly body: unknown;
      readonly replayed: boolean;
    }
  | { readonly kind: "crashed" };

/** What a client attempt looks like from the outside: its route and its body. */
export const PAY_ROUTE = "POST /orders/{orderId}/payments";
export const PAYMENT_METHOD = "pm_card_visa";
/** A Lambda invocation's time: the client attempt's lease is this plus the layer's margin. */
export const INVOCATION_MS = 10_000;
/** The reconciler's invocation (more than its own reserve, so it works). */
const RECONCILER_INVOCATION_MS = 60_000;
/** The reconciler leaves younger items to their own request's retries (RECONCILE_AFTER_SECONDS). */
export const SETTLE_AFTER_MS = 60_000;

const START_MS = Date.UTC(2026, 0, 1);
const noPause: Pause = () => Promise.resolve();

/**
 * An invocation's remaining time on the simulated clock's terms: each
 * reading costs a second of it, so code that keeps asking (a retry loop
 * that never wins) runs out and answers 503 instead of spinning forever.
 */
function invocationBudget(totalMs: number): () => number {
  let remainingMs = totalMs;
  return () => {
    const reading = remainingMs;
    remainingMs -= 1_000;
    return reading;
  };
}

/** The attempt died: nothing after this point of it runs. */
class AttemptCrashed extends Error {
  override readonly name = "AttemptCrashed";
}

/** Keeps what the reconciler logs as an error: an item it could not resume is a finding. */
class RecordingLogger implements Logger {
  readonly errors: string[] = [];
  info(): void {}
  warn(): void {}
  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.errors.push(`${message} ${JSON.stringify(attributes)}`);
  }
}

export class CardPaymentWorld {
  /** The state, for assertions (the product's code goes through the pausing ports). */
  readonly orders = new InMemoryOrderRepository();
  readonly processor: FakePaymentProcessor;
  readonly store = new InMemoryIdempotencyStore();
  readonly reconcilerLog = new RecordingLogger();
  private clockMs = START_MS;
  private pause: Pause = noPause;
  private readonly ordersPort = pausingOrderRepository(this.orders, () => this.pause());
  private readonly storePort = pausingStore(this.store, () => this.pause());
  private readonly leaseRoutes: IdempotencyCoreOptions<InMemoryWrite>;
  private readonly applyOnce: (event: ProcessorEvent) => Promise<{ value: WebhookOutcome }>;

  /**
   * @param options.interpose wraps the processor the product's code calls
   *   (after the faults of an attempt's fate): a test's fixed interleaving
   */
  constructor(
    private readonly options: {
      readonly interpose?: (processor: PaymentProcessor) => PaymentProcessor;
    } = {},
  ) {
    const nowMs = () => this.clockMs;
    this.processor = new FakePaymentProcessor(nowMs);
    this.leaseRoutes = { store: this.storePort, strategy: "lease", now: nowMs };
    this.applyOnce = makeIdempotent<ProcessorEvent, WebhookOutcome, InMemoryWrite>(
      (event, handle) =>
        applyProcessorEvent(event, handle, {
          orders: this.ordersPort,
          now: this.now,
          remainingTimeMs: invocationBudget(INVOCATION_MS),
          correlationId: `webhook:${event.id}`,
        }),
      {
        store: this.storePort,
        strategy: "commit",
        scope: "processor-webhooks",
        keyOf: (event) => event.id,
        fingerprintOf: (event) => event,
        now: nowMs,
      },
    );
  }

  readonly now = (): Date => new Date(this.clockMs);

  advanceClock(ms: number): void {
    this.clockMs += ms;
  }

  /** Waits as long as a round trip would: in a race, until the scheduler lets it go. */
  awaitTurn(): Promise<void> {
    return this.pause();
  }

  /**
   * Runs `operations` concurrently, their round trips in the order
   * `scheduler` picks; fails with the first one's error once all ended.
   */
  async race(
    scheduler: Scheduler,
    operations: ReadonlyArray<() => Promise<unknown>>,
  ): Promise<void> {
    this.pause = () => scheduler.schedule(Promise.resolve());
    try {
      // Even when each one starts is the scheduler's choice.
      const started = operations.map(async (run) => {
        await this.pause();
        return run();
      });
      const ended = await scheduler.waitFor(Promise.allSettled(started));
      const failed = ended.find((outcome) => outcome.status === "rejected");
      if (failed) throw failed.reason;
    } finally {
      this.pause = noPause;
    }
  }

  /** A pending order of `owner`, written as `createOrder` writes it. */
  async createOrder(id: string, owner: string, total: number): Promise<Order> {
    const order = newOrder({
      id,
      ownerId: owner,
      currency: "EUR",
      items: [{ sku: "sku-1", quantity: 1, unitPrice: total }],
      at: this.now().toISOString(),
    });
    const write = this.orders.create(order);
    if (write.condition && !write.condition()) throw new Error(`Order ${id} exists`);
    write.apply();
    return order;
  }

  /** The identity the HTTP middleware derives for `POST /orders/{orderId}/payments` under `key`. */
  identityOf(
    caller: string,
    orderId: string,
    key: string,
    paymentMethod = PAYMENT_METHOD,
  ): RequestIdentity {
    return {
      pk: callerRecordKey(caller, key),
      fingerprint: fingerprint({
        method: "POST",
        route: PAY_ROUTE,
        pathParameters: { orderId },
        body: { paymentMethod },
      }),
    };
  }

  /**
   * One attempt of the client's card payment, as the middleware and the
   * handler run it: begin (claim the lease, or replay, or 409), the use case
   * from the recovery point, then store an answer below 500 or abandon on a
   * 503, keeping the point. A crash stops it where it is.
   */
  async clientAttempt(
    caller: string,
    orderId: string,
    key: string,
    fate: AttemptFate,
    paymentMethod = PAYMENT_METHOD,
  ): Promise<ClientAnswer> {
    const identity = this.identityOf(caller, orderId, key, paymentMethod);
    const remainingTimeMs = invocationBudget(INVOCATION_MS);
    const context = { getRemainingTimeInMillis: remainingTimeMs };
    let begun: Beginning<InMemoryWrite>;
    try {
      begun = await beginAttempt(resolveCoreOptions(this.leaseRoutes), identity, context);
    } catch (error) {
      if (error instanceof IdempotencyError) return answered(renderProblem(error));
      throw error;
    }
    if (begun.kind === "replay") return answered(toReplayResponse(begun.answer));
    const { attempt } = begun;
    // What the attempt committed: its own answer, or a duplicate's replay.
    let committed: HttpResponse | undefined;
    const commitAnswer: Commit<InMemoryWrite, HttpResult> = async (writes, answer) => {
      committed = await commitHttpAnswer(attempt, writes, answer);
      return committed;
    };
    try {
      const result = await payOrderByCard(
        { caller, orderId, paymentMethod },
        this.paymentPorts(attempt, identity, fate, remainingTimeMs, commitAnswer),
      );
      return answered(committed ?? normalizeResponse(orderAnswers.payOrder(result)));
    } catch (error) {
      if (error instanceof AttemptCrashed) return { kind: "crashed" };
      const problem = problemOf(error);
      if (problem.statusCode === 500) throw error;
      return answered(await this.settleProblem(attempt, renderProblem(problem)));
    }
  }

  /** One run of the reconciler, as its scheduled handler runs it; its processor may lose answers. */
  reconcile(fault?: UnknownFault): Promise<ReconcileReport> {
    return reconcileUnsettled({
      orders: this.ordersPort,
      processor: this.pausing(fault ? this.processor.losingAnswers(fault) : this.processor),
      idempotency: this.leaseRoutes,
      now: this.now,
      remainingTimeMs: invocationBudget(RECONCILER_INVOCATION_MS),
      settleAfterMs: SETTLE_AFTER_MS,
      logger: this.reconcilerLog,
      correlationId: "reconciler",
    });
  }

  /** One delivery of a processor event to the webhook, after its signature checked out. */
  async deliver(event: ProcessorEvent): Promise<WebhookOutcome> {
    return (await this.applyOnce(event)).value;
  }

  private paymentPorts(
    attempt: IdempotentAttempt<InMemoryWrite>,
    identity: RequestIdentity,
    fate: AttemptFate,
    remainingTimeMs: () => number,
    commitAnswer: Commit<InMemoryWrite, HttpResult>,
  ): CardPaymentPorts<InMemoryWrite, Payment | Refusal> {
    return {
      orders: this.ordersPort,
      processor: this.processorFor(fate),
      phases: {
        identity,
        recoveryPoint: attempt.recoveryPoint,
        advance: async (point, writes) => {
          await attempt.advance(point, writes);
          if (fate === "crashes-after-start") throw new AttemptCrashed();
        },
      },
      commit: commitAsAnswer(commitAnswer, orderAnswers.payOrder),
      now: this.now,
      remainingTimeMs,
      correlationId: "client",
    };
  }

  private processorFor(fate: AttemptFate): PaymentProcessor {
    const lost: Partial<Record<AttemptFate, UnknownFault>> = {
      "unknown-before-charging": "before-charging",
      "unknown-after-charging": "after-charging",
    };
    const fault = lost[fate];
    if (fault) return this.pausing(this.processor.losingAnswers(fault));
    const processor = this.pausing(this.processor);
    if (fate !== "crashes-after-charge") return processor;
    return {
      charge: async (request) => {
        await processor.charge(request);
        throw new AttemptCrashed();
      },
      refund: (request) => processor.refund(request),
    };
  }

  private pausing(processor: PaymentProcessor): PaymentProcessor {
    const interposed = this.options.interpose?.(processor) ?? processor;
    return pausingProcessor(interposed, () => this.pause());
  }

  /** The middleware's settlement of a rendered problem: stored below 500, else the key let go. */
  private async settleProblem(
    attempt: IdempotentAttempt<InMemoryWrite>,
    response: HttpResponse,
  ): Promise<HttpResponse> {
    const stored = response.statusCode < 500 ? storableAnswer(response) : undefined;
    if (!stored?.fits) {
      await attempt.abandon();
      return response;
    }
    const settlement = await attempt.finish(stored.answer);
    return settlement.kind === "replay" ? toReplayResponse(settlement.answer) : response;
  }
}

function answered(response: {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}): ClientAnswer {
  return {
    kind: "answered",
    statusCode: response.statusCode,
    body: response.body === "" ? undefined : JSON.parse(response.body),
    replayed: response.headers[REPLAYED_HEADER] === "true",
  };
}
