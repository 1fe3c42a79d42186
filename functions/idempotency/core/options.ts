import {
  DEFAULT_LEASE_MARGIN_MS,
  DEFAULT_LEASE_WITHOUT_DEADLINE_MS,
  DEFAULT_MAX_STORED_ANSWER_BYTES,
  DEFAULT_RETENTION_SECONDS,
  type IdempotencyStrategy,
} from "./constants";
import { type IdempotencyLogger, silentLogger } from "./logger";
import { type IdempotencyMetrics, silentMetrics } from "./metrics";
import type { IdempotencyStore } from "./store";

/** What both faces (HTTP middleware and function wrapper) are configured with. */
export interface IdempotencyCoreOptions<TWrite> {
  /** Where records are kept: `DynamoDbIdempotencyStore` in production. */
  readonly store: IdempotencyStore<TWrite>;
  /**
   * `commit` when every effect of the handler is a write it commits through
   * the handle (one transaction with the record); `lease` when an effect
   * leaves the store. There is no default: the choice decides what
   * "exactly once" can mean for the handler.
   */
  readonly strategy: IdempotencyStrategy;
  /**
   * How long a key stays bound to its request and its answer is replayed.
   * @default 86_400 (24 h)
   */
  readonly retentionSeconds?: number;
  /**
   * Lease strategy: added to the invocation's remaining time to form the lease.
   * @default 1_000
   */
  readonly leaseMarginMs?: number;
  /**
   * Lease strategy: the lease when the context cannot tell its remaining time.
   * @default 30_000
   */
  readonly leaseWithoutDeadlineMs?: number;
  /**
   * Commit strategy: read the key's record while the handler runs its own
   * reads (in parallel: the wait overlaps theirs, the client's work does
   * not), so that a replay answers from it without sending the handler's
   * transaction, which the record would refuse. Every first execution pays
   * one more read (1 read unit, one request, well under a millisecond in
   * `npm run bench -- replay-peek`); every replay saves a transaction (its
   * write units, and the time DynamoDB takes to refuse it; the replay pays
   * the read of its stored answer, a read unit per 4 KB). A handler that
   * commits without reading waits for the peek in series. Worth it once a
   * route sees more than a few percent of replays. A peek that fails or
   * takes longer than PEEK_BUDGET_MS (200 ms) is ignored: the commit decides.
   * @default false
   */
  readonly peek?: boolean;
  /**
   * Largest stored answer, in bytes (the HTTP face counts the body).
   * @default 65_536
   */
  readonly maxStoredAnswerBytes?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default silent */
  readonly logger?: IdempotencyLogger;
  /**
   * Counts each keyed request's outcome (executed, replayed, key reused, in
   * progress, store unavailable).
   * @default silent
   */
  readonly metrics?: IdempotencyMetrics;
}

export type ResolvedCoreOptions<TWrite> = Required<IdempotencyCoreOptions<TWrite>>;

/** Fills in the defaults and checks the numbers once, when the face is built. */
export function resolveCoreOptions<TWrite>(
  options: IdempotencyCoreOptions<TWrite>,
): ResolvedCoreOptions<TWrite> {
  const resolved: ResolvedCoreOptions<TWrite> = {
    store: options.store,
    strategy: options.strategy,
    retentionSeconds: options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS,
    leaseMarginMs: options.leaseMarginMs ?? DEFAULT_LEASE_MARGIN_MS,
    leaseWithoutDeadlineMs: options.leaseWithoutDeadlineMs ?? DEFAULT_LEASE_WITHOUT_DEADLINE_MS,
    maxStoredAnswerBytes: options.maxStoredAnswerBytes ?? DEFAULT_MAX_STORED_ANSWER_BYTES,
    peek: options.peek ?? false,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
    metrics: options.metrics ?? silentMetrics,
  };
  if (resolved.strategy !== "commit" && resolved.strategy !== "lease") {
    throw new RangeError(`idempotency strategy must be "commit" or "lease"`);
  }
  for (const name of [
    "retentionSeconds",
    "leaseMarginMs",
    "leaseWithoutDeadlineMs",
    "maxStoredAnswerBytes",
  ] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`idempotency option ${name} must be a non-negative integer`);
    }
  }
  return resolved;
}

/** Something that can tell how long the current invocation may still run (Lambda's context). */
export interface RemainingTime {
  getRemainingTimeInMillis?: () => number;
}

/** The invocation's remaining time plus a margin: the lease never outlives the attempt by more. */
export function leaseDurationMs(
  context: RemainingTime | undefined,
  options: Pick<ResolvedCoreOptions<unknown>, "leaseMarginMs" | "leaseWithoutDeadlineMs">,
): number {
  const remaining =
    typeof context?.getRemainingTimeInMillis === "function"
      ? context.getRemainingTimeInMillis()
      : undefined;
  return remaining !== undefined && Number.isFinite(remaining) && remaining > 0
    ? remaining + options.leaseMarginMs
    : options.leaseWithoutDeadlineMs;
}
