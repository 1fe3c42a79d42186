import { BusinessWriteRejectedError } from "../idempotency/errors";
import { problems } from "./http/http-problems";

/**
 * How often a use case re-reads and retries when a versioned write lost a
 * race. Ten concurrent writers on one account need at most ten rounds.
 */
const MAX_ATTEMPTS = 12;
/** Jittered so that the losers of one race do not collide again. */
const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 100;

/**
 * Runs `attempt` (read, decide, commit) again when its commit was refused
 * because something it read has changed meanwhile. Every business decision
 * is then taken again on fresh data, so it is never taken on a stale read.
 * When the races never end, answers 503 with Retry-After (not stored).
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof BusinessWriteRejectedError)) throw error;
      if (round >= MAX_ATTEMPTS) throw problems.serviceUnavailable(1);
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
