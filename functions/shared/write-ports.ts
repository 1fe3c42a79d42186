import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { type Commit, IdempotencyConfigurationError, type IdempotentContext } from "../idempotency";

/** What every write use case receives besides its repositories. */
export interface WritePorts<TWrite> {
  /** The exactly-once commit: the business writes and the answer in one transaction. */
  readonly commit: Commit<TWrite>;
  readonly now: () => Date;
  /** How long the invocation may still run: it bounds the retries of a lost race. */
  readonly remainingTimeMs: () => number;
  /** The request's correlation id, carried into the outbox events it writes. */
  readonly correlationId: string;
}

/** The write ports of one request, from the idempotency middleware's handle. */
export function writePortsOf(
  context: IdempotentContext<TransactWriteItem>,
  correlationId: string,
): WritePorts<TransactWriteItem> {
  const handle = context.idempotency;
  if (!handle) {
    throw new IdempotencyConfigurationError("The route is not under the idempotency middleware.");
  }
  return {
    commit: handle.commit,
    now: () => new Date(),
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    correlationId,
  };
}
