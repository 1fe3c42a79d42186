import { BusinessWriteRejectedError } from "../idempotency";
import { RacesLostError } from "./races-lost-error";

/**
 * Kept back from the invocation's deadline when deciding on another round:
 * time to answer 503 before Lambda (or the local gateway) cuts the
 * invocation off with a 504 that says less.
 */
const DEADLINE_RESERVE_MS = 1_000;
/**
 * Full jitter over a capped exponential backoff: losers of one race spread
 * out. The cap is high because on a hot account (64 writers, `npm run
 * bench`) a 50 ms cap kept everyone colliding: 13–14 transactions per
 * deposit committed and a p99 of 7–8 s against the 9 s budget; with 1 s,
 * about 7 transactions, half the p99, and more deposits per second.
 */
const BACKOFF_BASE_MS = 2;
const BACKOFF_CAP_MS = 1_000;

/**
 * Runs `attempt` (read, decide, commit) again when its commit was refused
 * because something it read has changed meanwhile. Every business decision
 * is then taken again on fresh data, so it is never taken on a stale read.
 * Rounds go on while the invocation has time: a hot account with many
 * writers needs many rounds, and each one makes progress for somebody. Only
 * when time runs out does it give up, with a RacesLostError.
 */
export async function retryOnConflict<T>(
  attempt: () => Promise<T>,
  remainingTimeMs: () => number,
): Promise<T> {
  for (let round = 1; ; round += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof BusinessWriteRejectedError)) throw error;
      const delayMs = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round);
      if (remainingTimeMs() - delayMs < DEADLINE_RESERVE_MS)
        throw new RacesLostError({ cause: error });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
