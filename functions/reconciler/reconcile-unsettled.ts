import {
  beginAttempt,
  type Commit,
  commitHttpAnswer,
  type HttpResult,
  type IdempotencyCoreOptions,
  IdempotencyKeyInProgressError,
  type RequestIdentity,
  type ResolvedCoreOptions,
  resolveCoreOptions,
} from "../idempotency";
import { type CardPaymentPorts, payOrderByCard } from "../orders/card-payments";
import { refundOrderByCard } from "../orders/card-refunds";
import { orderAnswers } from "../orders/order-answers";
import type { OrderRepository, Unsettled } from "../orders/order-repository";
import type { PaymentProcessor } from "../processor/payment-processor";
import { ProcessorOutcomeUnknownError } from "../processor/processor-outcome-unknown-error";
import type { Logger } from "../shared/observability/logger";
import { commitAsAnswer } from "../shared/write-ports";
import { foldWaitingMovements, type WaitingMovementPorts } from "./fold-waiting-movements";

/**
 * The completer (rocket-rides-atomic's, here "reconciler"): card payments
 * and refunds left `processing` after their request stopped retrying are
 * resumed exactly as a retry of that request would resume them: through the
 * idempotency layer, from the recovery point, with the same processor key.
 * The request's record is completed with the answer, so a later retry of
 * the client replays the settled answer. Queued deposits and transfers
 * that nobody folds are folded too (fold-waiting-movements.ts).
 */

export interface ReconcilerPorts<TWrite> {
  readonly orders: OrderRepository<TWrite>;
  readonly processor: PaymentProcessor;
  /** The store and strategy options of the routes whose requests it resumes (lease). */
  readonly idempotency: IdempotencyCoreOptions<TWrite>;
  readonly now: () => Date;
  readonly remainingTimeMs: () => number;
  /** Younger unsettled items are left to their own request's retries. */
  readonly settleAfterMs: number;
  readonly logger: Logger;
  /** Carried into the outbox events the settlements write. */
  readonly correlationId: string;
  /** Queued movements nobody folds are folded too, when given. */
  readonly movements?: Omit<WaitingMovementPorts<TWrite>, "now" | "remainingTimeMs" | "logger">;
}

export interface ReconcileReport {
  /** Settled now: the processor's outcome is known and committed. */
  readonly settled: number;
  /** Resumed, but the processor's outcome is still unknown: next run. */
  readonly stillUnknown: number;
  /** A request of the client holds them right now, or settled them since they were listed. */
  readonly skipped: number;
  /** Could not be resumed (logged): an operator looks. */
  readonly failed: number;
  /** Not started in this run: too little of the invocation was left. Next run. */
  readonly deferred: number;
  /** Queued movements written (or refused) by this run: their requests had stopped waiting. */
  readonly movementsFolded: number;
  /** Age of the oldest item (or queued movement) still unsettled after this run, for the alarm. */
  readonly oldestUnsettledAgeMs: number;
}

/** Items per kind and run: the oldest first; the rest wait for the next run. */
const BATCH = 25;
/** Kept back from the invocation's deadline: no item is started that cannot finish. */
const RESERVE_MS = 5_000;

type Outcome = "settled" | "still-unknown" | "skipped" | "failed";

export async function reconcileUnsettled<TWrite>(
  ports: ReconcilerPorts<TWrite>,
): Promise<ReconcileReport> {
  const counts: Record<Outcome, number> = { settled: 0, "still-unknown": 0, skipped: 0, failed: 0 };
  const before = ports.now().getTime() - ports.settleAfterMs;
  const payments = await ports.orders.unsettledPayments(before, BATCH);
  const refunds = await ports.orders.unsettledRefunds(before, BATCH);
  const { orders } = ports;
  const work = [
    ...payments.map((unsettled) => ({
      unsettled,
      resume: resumePayment(unsettled),
      isStillUnsettled: async () =>
        isProcessing(await orders.findPayment(unsettled.item.orderId), unsettled.item.id),
    })),
    ...refunds.map((unsettled) => ({
      unsettled,
      resume: resumeRefund(unsettled),
      isStillUnsettled: async () =>
        isProcessing(
          await orders.findRefund(unsettled.item.orderId, unsettled.item.id),
          unsettled.item.id,
        ),
    })),
  ].sort((a, b) => a.unsettled.sinceMs - b.unsettled.sinceMs);
  const idempotency = resolveCoreOptions(ports.idempotency);
  let deferred = 0;
  for (const { unsettled, resume, isStillUnsettled } of work) {
    if (ports.remainingTimeMs() < RESERVE_MS) {
      deferred += 1;
      continue;
    }
    const outcome = await resumeOne(unsettled, resume, isStillUnsettled, idempotency, ports);
    counts[outcome] += 1;
  }
  const movements = ports.movements
    ? await foldWaitingMovements(
        {
          ...ports.movements,
          now: ports.now,
          remainingTimeMs: ports.remainingTimeMs,
          logger: ports.logger,
        },
        before,
        RESERVE_MS,
      )
    : undefined;
  const nowMs = ports.now().getTime();
  return {
    settled: counts.settled,
    stillUnknown: counts["still-unknown"],
    skipped: counts.skipped,
    failed: counts.failed + (movements?.failed ?? 0),
    deferred,
    movementsFolded: movements?.folded ?? 0,
    oldestUnsettledAgeMs: Math.max(
      await oldestUnsettledAgeMs(ports),
      nowMs - (movements?.oldestSinceMs ?? nowMs),
    ),
  };
}

const isProcessing = (item: { id: string; status: string } | undefined, id: string): boolean =>
  item?.id === id && item.status === "processing";

/** The ports of a resumed request, whose answer is committed as its route answers. */
type ResumedPorts<TWrite> = Omit<CardPaymentPorts<TWrite>, "commit"> & {
  readonly commitAnswer: Commit<TWrite, HttpResult>;
};

/** How an unsettled item is resumed once its request's attempt is in hand. */
type Resume<TWrite> = (caller: string, ports: ResumedPorts<TWrite>) => Promise<unknown>;

function resumePayment<TWrite>(
  unsettled: Unsettled<{ orderId: string; paymentMethod?: string }>,
): Resume<TWrite> {
  const { orderId, paymentMethod = "" } = unsettled.item;
  return (caller, { commitAnswer, ...ports }) =>
    payOrderByCard(
      { caller, orderId, paymentMethod },
      { ...ports, commit: commitAsAnswer(commitAnswer, orderAnswers.payOrder) },
    );
}

function resumeRefund<TWrite>(
  unsettled: Unsettled<{ orderId: string; amount: number }>,
): Resume<TWrite> {
  const { orderId, amount } = unsettled.item;
  return (caller, { commitAnswer, ...ports }) =>
    refundOrderByCard(
      { caller, orderId, amount },
      { ...ports, commit: commitAsAnswer(commitAnswer, orderAnswers.refundOrder) },
    );
}

async function resumeOne<TWrite>(
  unsettled: Unsettled<{ id: string; orderId: string }>,
  resume: Resume<TWrite>,
  isStillUnsettled: () => Promise<boolean>,
  idempotency: ResolvedCoreOptions<TWrite>,
  ports: ReconcilerPorts<TWrite>,
): Promise<Outcome> {
  const about = { orderId: unsettled.item.orderId, itemId: unsettled.item.id };
  try {
    const order = await ports.orders.find(unsettled.item.orderId);
    if (!order) throw new Error("its order does not exist");
    const identity: RequestIdentity = {
      pk: unsettled.request.recordKey,
      fingerprint: unsettled.request.fingerprint,
    };
    const begun = await beginAttempt(idempotency, identity, {
      getRemainingTimeInMillis: ports.remainingTimeMs,
    });
    if (begun.kind === "replay") {
      // Its request's retry completed it since the list was read: nothing is left to settle.
      if (!(await isStillUnsettled())) return "skipped";
      throw new Error("its request completed, yet it is unsettled");
    }
    const { attempt } = begun;
    if (attempt.recoveryPoint === undefined) {
      // The request's record is gone (past its retention): resuming would start anew.
      await attempt.abandon();
      throw new Error("its request's record has expired: settle it by hand");
    }
    try {
      await resume(order.ownerId, {
        orders: ports.orders,
        processor: ports.processor,
        phases: {
          identity,
          recoveryPoint: attempt.recoveryPoint,
          advance: (point, writes) => attempt.advance(point, writes),
        },
        commitAnswer: (writes, answer) => commitHttpAnswer(attempt, writes, answer),
        now: ports.now,
        remainingTimeMs: ports.remainingTimeMs,
        correlationId: ports.correlationId,
      });
    } catch (error) {
      await attempt.abandon();
      if (error instanceof ProcessorOutcomeUnknownError) {
        return "still-unknown";
      }
      throw error;
    }
    ports.logger.info("unsettled item settled", about);
    return "settled";
  } catch (error) {
    if (error instanceof IdempotencyKeyInProgressError) return "skipped";
    ports.logger.error("unsettled item not resumed", {
      ...about,
      error: error instanceof Error ? error.message : String(error),
    });
    return "failed";
  }
}

async function oldestUnsettledAgeMs<TWrite>(ports: ReconcilerPorts<TWrite>): Promise<number> {
  const nowMs = ports.now().getTime();
  const [payment] = await ports.orders.unsettledPayments(nowMs + 1, 1);
  const [refund] = await ports.orders.unsettledRefunds(nowMs + 1, 1);
  const oldest = Math.min(payment?.sinceMs ?? nowMs, refund?.sinceMs ?? nowMs);
  return nowMs - oldest;
}
