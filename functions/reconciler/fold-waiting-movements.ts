import { newId } from "../domain/primitives";
import { foldWhileLeased } from "../movements/fold-queue";
import type { Folding } from "../movements/move-money";
import type { LedgerPorts } from "../movements/movement-writes";
import type { Logger } from "../shared/observability/logger";

/** The queues of a run, at most: the oldest waiting movements first. */
const QUEUES_PER_RUN = 25;

export interface WaitingMovementPorts<TWrite> extends LedgerPorts<TWrite> {
  readonly folding: Folding<TWrite>;
  readonly now: () => Date;
  readonly remainingTimeMs: () => number;
  readonly logger: Logger;
}

export interface WaitingMovementsReport {
  /** Movements this run wrote (or refused) from queues nobody was folding. */
  readonly folded: number;
  /** Queues whose lease a folder held: their movements are being written. */
  readonly busy: number;
  /** Queues whose fold failed (logged): an operator looks; the next run tries again. */
  readonly failed: number;
  /** Epoch ms of the oldest movement still queued after the run, if any. */
  readonly oldestSinceMs: number | undefined;
}

/**
 * The completer of queued movements: a movement whose request gave up
 * waiting (503) on an account that then went quiet would wait for the next
 * fold of its queue, which may never come. Every run folds the queues that
 * hold a movement older than `beforeMs`, under their lease, exactly as a
 * waiting request would; a retry of the request then answers its outcome.
 */
export async function foldWaitingMovements<TWrite>(
  ports: WaitingMovementPorts<TWrite>,
  beforeMs: number,
  reserveMs: number,
): Promise<WaitingMovementsReport> {
  const { queue: movements, settings } = ports.folding;
  const waiting = await movements.waiting(beforeMs, QUEUES_PER_RUN);
  const queues = [...new Set(waiting.map(({ queue }) => queue))];
  let folded = 0;
  let busy = 0;
  let failed = 0;
  for (const queue of queues) {
    if (ports.remainingTimeMs() < reserveMs) break;
    const nowMs = ports.now().getTime();
    const token = newId();
    const leaseEndsMs = nowMs + settings.leaseMs;
    if (!(await movements.takeLease(queue, token, leaseEndsMs, nowMs))) {
      busy += 1;
      continue;
    }
    try {
      folded += await foldWhileLeased(queue, { ...ports, queue: movements }, settings, {
        leaseEndsMs,
        marginMs: settings.pollMs,
        reserveMs,
      });
    } catch (error) {
      // One queue that cannot be folded must not keep the others waiting.
      failed += 1;
      ports.logger.error("waiting movements not folded", {
        queue,
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      // A release that fails leaves the lease to run out: nothing to undo.
      await movements.releaseLease(queue, token).catch(() => undefined);
    }
  }
  if (folded > 0) ports.logger.info("waiting movements folded", { folded, queues: queues.length });
  const [oldest] = await movements.waiting(ports.now().getTime() + 1, 1);
  return { folded, busy, failed, oldestSinceMs: oldest?.sinceMs };
}
