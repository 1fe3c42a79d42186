import type { HandlerConfig } from "../shared/config";
import type { Folding, MovementSettings } from "./move-money";
import type { MovementQueue } from "./movement-queue";

/**
 * The tuning of contended movements, measured in `npm run bench --
 * hot-account-http` (docs/contention.md says why each value).
 */
export const DEFAULT_MOVEMENT_SETTINGS = {
  /**
   * Five seconds without a fold and the account's next movement goes direct
   * again. Long against a fold (tens of ms): a lone writer on a lately hot
   * account pays the queue's few round trips; a burst on an account wrongly
   * thought cold pays one cancelled transaction per writer.
   */
  hotMs: 5_000,
  /** Several folds' worth: a folder that died holds its queue up at most this long. */
  leaseMs: 1_000,
  /** About one fold's round trips: a waiter notices its outcome, or a free lease, soon after. */
  pollMs: 50,
  /** A few folds more: fewer handovers of the lease, each a waiter's poll late. */
  foldOnMs: 1_000,
} as const;

/** The folding a route's config asks for, over `queue`; `undefined` when it is off. */
export function foldingOf<TWrite>(
  queue: MovementQueue<TWrite>,
  config: Pick<HandlerConfig, "movementFolding" | "idempotencyRetentionSeconds">,
  overrides: Partial<MovementSettings> = {},
): Folding<TWrite> | undefined {
  if (!config.movementFolding) return undefined;
  return {
    queue,
    settings: {
      ...DEFAULT_MOVEMENT_SETTINGS,
      retentionSeconds: config.idempotencyRetentionSeconds,
      ...overrides,
    },
  };
}
