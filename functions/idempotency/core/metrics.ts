import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStoreUnavailableError,
} from "./errors";

/**
 * How a keyed request ended, as the layer saw it: what an operator counts.
 *
 * - `executed`: this attempt ran and its answer is now the key's;
 * - `replayed`: the key's stored answer was given again, nothing ran twice;
 * - `key-reused`: the key belongs to another request (422);
 * - `in-progress`: the key's first request still runs under a lease (409);
 * - `store-unavailable`: the store could not answer (503): nothing ran unprotected.
 */
export type IdempotencyOutcome =
  | "executed"
  | "replayed"
  | "key-reused"
  | "in-progress"
  | "store-unavailable";

/**
 * What the layer counts through: one call per keyed request that reached a
 * decision. Powertools' Metrics fits behind it in a line; silent unless one
 * is given, so the layer can be lifted without deciding how it measures.
 */
export interface IdempotencyMetrics {
  outcome(outcome: IdempotencyOutcome): void;
}

export const silentMetrics: IdempotencyMetrics = { outcome: () => undefined };

/** The outcome an error of the layer stands for; none for the handler's own errors. */
export function outcomeOfError(error: unknown): IdempotencyOutcome | undefined {
  if (error instanceof IdempotencyKeyReusedError) return "key-reused";
  if (error instanceof IdempotencyKeyInProgressError) return "in-progress";
  if (error instanceof IdempotencyStoreUnavailableError) return "store-unavailable";
  return undefined;
}
