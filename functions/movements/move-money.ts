import { setTimeout as sleep } from "node:timers/promises";
import type { Account, Deposit } from "../accounts/account";
import type { AccountForMovement } from "../accounts/account-repository";
import { newId } from "../domain/primitives";
import { refuse } from "../domain/refusals";
import {
  BusinessWriteRejectedError,
  IdempotencyKeyReusedError,
  type RequestIdentity,
} from "../idempotency";
import { toEpochSeconds } from "../idempotency/core/record";
import { MovementPendingError } from "../shared/movement-pending-error";
import { retryOnConflict } from "../shared/optimistic-retry";
import { RacesLostError } from "../shared/races-lost-error";
import type { WritePorts } from "../shared/write-ports";
import type { Transfer } from "../transfers/transfer";
import { applyMovement } from "./apply-movement";
import { type FoldPorts, type FoldSettings, foldWhileLeased } from "./fold-queue";
import { type Movement, type MovementOutcome, queueOf } from "./movement";
import type { MovementQueue } from "./movement-queue";
import { accountWrites, type LedgerPorts, movedWrites } from "./movement-writes";

/** The tuning of contended movements; see docs/contention.md. */
export interface MovementSettings extends FoldSettings {
  /** How long a folder holds a queue: past it, a waiting request takes the fold over. */
  readonly leaseMs: number;
  /** How long a waiting request sleeps between looks at its marker (jittered ±50 %). */
  readonly pollMs: number;
  /** How long a folder goes on folding its queue after its own movement is settled. */
  readonly foldOnMs: number;
  /** How long a movement's marker lives: the idempotency records' retention. */
  readonly retentionSeconds: number;
}

/** Queues and folds for contended movements. */
export interface Folding<TWrite> {
  readonly queue: MovementQueue<TWrite>;
  readonly settings: MovementSettings;
}

export interface MovementPorts<TWrite, TResult>
  extends WritePorts<TWrite, TResult>,
    LedgerPorts<TWrite> {
  /**
   * Contended movements queue and fold. Absent: every movement is written
   * directly and a lost race is read and decided again (the design before
   * folding, kept for comparison: `MOVEMENT_FOLDING=off`).
   */
  readonly folding?: Folding<TWrite> | undefined;
}

/** A movement as the request decided it, and its accounts as read. */
export interface ReadMovement {
  readonly movement: Movement;
  readonly accounts: readonly AccountForMovement[];
}

/**
 * Kept back from the invocation's deadline while waiting for a fold: time
 * to finish a fold under way and answer 503 before the handler's own early
 * answer (Middy's, 500 ms before the deadline) cuts it short.
 */
export const MOVEMENT_WAIT_RESERVE_MS = 1_000;

/**
 * Writes a request's movement exactly once, and answers what it made.
 *
 * An account nobody else is writing takes the direct path: one transaction
 * of the balances, the entries, the resource, the event, the movement's
 * marker and the idempotency record. A hot account (one a fold wrote
 * lately), or a direct write that lost its race, takes the queue instead:
 * the movement is queued under the request's identity in a transaction
 * that names no account, and one folder at a time writes the queue's head
 * into the balances, many movements per transaction; the request waits
 * for its marker to settle, folding itself when no one else is.
 *
 * @param read reads the accounts and decides the movement (refusing what
 *   does not depend on balances); run again after a lost race
 * @param resultOf the answer's resource, narrowed to the route's
 */
export async function moveMoney<TWrite, TResult extends Deposit | Transfer>(
  read: () => Promise<ReadMovement>,
  resultOf: (result: Deposit | Transfer) => TResult,
  ports: MovementPorts<TWrite, TResult>,
): Promise<TResult> {
  const { folding } = ports;
  const identity: RequestIdentity = ports.identity ?? { pk: newId(), fingerprint: "" };
  const nowMs = ports.now().getTime();
  const expiresAt = toEpochSeconds(nowMs) + (folding?.settings.retentionSeconds ?? 0);
  if (!folding)
    return retryOnConflict(async () => moveDirectly(await read()), ports.remainingTimeMs);

  const first = await read();
  if (first.accounts.every(({ hotUntilMs }) => hotUntilMs <= nowMs)) {
    try {
      return await moveDirectly(first);
    } catch (error) {
      // A lost race, or a marker an earlier attempt of the request queued: the queue decides.
      if (!(error instanceof BusinessWriteRejectedError)) throw error;
    }
  }
  const hot = new Set(
    first.accounts.filter(({ hotUntilMs }) => hotUntilMs > nowMs).map(({ account }) => account.id),
  );
  const queue = queueOf(first.movement, hot);
  const outcome = await moveThroughQueue(
    first.movement,
    queue,
    identity,
    expiresAt,
    ports,
    folding,
  );
  if (outcome.status === "refused") return refuse(outcome.refusal);
  return ports.commit([], resultOf(outcome.result));

  async function moveDirectly({ movement, accounts }: ReadMovement): Promise<TResult> {
    const before = new Map<string, Account>(accounts.map(({ account }) => [account.id, account]));
    const after = new Map(before);
    const applied = applyMovement(after, movement, ports.now().toISOString());
    const marker = (outcome: MovementOutcome) =>
      folding?.queue.settledMarker(
        { key: identity.pk, fingerprint: identity.fingerprint, outcome },
        expiresAt,
        nowMs,
      );
    if (applied.status === "refused") {
      // The refusal is settled first: a retry that finds the account hot
      // must not queue, and fold, what this attempt refused.
      const refusal = marker({ status: "refused", refusal: applied.refusal });
      if (refusal && !(await folding?.queue.transact([refusal]))) {
        throw new BusinessWriteRejectedError([]);
      }
      return refuse(applied.refusal);
    }
    const settled = marker({ status: "moved", result: applied.result });
    return ports.commit(
      [
        ...accountWrites(ports, before, after),
        ...movedWrites(ports, applied),
        ...(settled ? [settled] : []),
      ],
      resultOf(applied.result),
    );
  }
}

/**
 * Queues the movement (or finds the one an earlier attempt of the request
 * queued or wrote) and waits for its outcome, folding the queue whenever
 * its lease is free. When time runs short the movement stays queued: the
 * next fold writes it, and a retry answers its outcome.
 *
 * @throws IdempotencyKeyReusedError when the key's movement is another request's
 * @throws MovementPendingError when the invocation ran short of time
 */
async function moveThroughQueue<TWrite, TResult>(
  movement: Movement,
  queue: string,
  identity: RequestIdentity,
  expiresAt: number,
  ports: MovementPorts<TWrite, TResult>,
  folding: Folding<TWrite>,
): Promise<MovementOutcome> {
  const { queue: movements, settings } = folding;
  const key = identity.pk;
  for (;;) {
    const enqueued = await movements.enqueue(
      { queue, seq: newId(), key, movement, fingerprint: identity.fingerprint, expiresAt },
      ports.now().getTime(),
    );
    if (enqueued.queued) break;
    if ("marker" in enqueued) {
      if (enqueued.marker.fingerprint !== identity.fingerprint) {
        throw new IdempotencyKeyReusedError();
      }
      if (enqueued.marker.status === "settled") return enqueued.marker.outcome;
      break;
    }
    // A duplicate's transaction holds the marker: nothing of this request is queued yet.
    if (ports.remainingTimeMs() < MOVEMENT_WAIT_RESERVE_MS) throw new RacesLostError();
    await sleep(settings.pollMs * (0.5 + Math.random()));
  }
  // Just queued, the movement is not settled yet: the first look waits a poll.
  await sleep(settings.pollMs * (0.5 + Math.random()));
  for (;;) {
    const nowMs = ports.now().getTime();
    const { marker, leaseFree } = await movements.poll(key, queue, nowMs);
    // Gone (TTL), or the key's next request's: a movement still queued past
    // its end is dropped unwritten, and this request can no longer learn more.
    if (!marker || marker.fingerprint !== identity.fingerprint) throw new MovementPendingError();
    if (marker.status === "settled") return marker.outcome;
    if (ports.remainingTimeMs() < MOVEMENT_WAIT_RESERVE_MS) throw new MovementPendingError();
    const token = newId();
    const leaseEndsMs = nowMs + settings.leaseMs;
    if (leaseFree && (await movements.takeLease(queue, token, leaseEndsMs, nowMs))) {
      try {
        await foldWhileWaiting(queue, key, leaseEndsMs, { ...ports, queue: movements }, settings);
      } finally {
        // A release that fails leaves the lease to run out: the answer stands.
        await movements.releaseLease(queue, token).catch(() => undefined);
      }
    } else {
      await sleep(settings.pollMs * (0.5 + Math.random()));
    }
  }
}

/**
 * Folds the queue until this request's movement is settled, then on for
 * `foldOnMs` more while movements wait (every handover of the lease costs
 * the queue a waiter's poll), never past the lease or the invocation's time.
 */
async function foldWhileWaiting<TWrite>(
  queue: string,
  key: string,
  leaseEndsMs: number,
  ports: FoldPorts<TWrite> & { readonly remainingTimeMs: () => number },
  settings: MovementSettings,
): Promise<void> {
  let ownSettledAtMs: number | undefined;
  await foldWhileLeased(queue, ports, settings, {
    leaseEndsMs,
    marginMs: settings.pollMs,
    reserveMs: MOVEMENT_WAIT_RESERVE_MS,
    enough: (settled, nowMs) => {
      if (settled.has(key)) ownSettledAtMs = nowMs;
      return ownSettledAtMs !== undefined && nowMs >= ownSettledAtMs + settings.foldOnMs;
    },
  });
}
