import type { CancellationReason } from "@aws-sdk/client-dynamodb";

export type { CancellationReason };

import type { unmarshall } from "@aws-sdk/util-dynamodb";
import { STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from "../core/constants";
import {
  type IdempotencyError,
  IdempotencyStoreError,
  IdempotencyStoreUnavailableError,
} from "../core/errors";

// DynamoDB's errors are matched by name: an application can bundle more than
// one copy of the SDK, and `instanceof` fails across copies.

export interface ConditionalCheckFailure {
  readonly name: "ConditionalCheckFailedException";
  /** The item as it was, with `ReturnValuesOnConditionCheckFailure: ALL_OLD`. */
  readonly Item?: Parameters<typeof unmarshall>[0];
}

export function isConditionalCheckFailure(error: unknown): error is ConditionalCheckFailure {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** The per-item reasons of a cancelled transaction; `undefined` for any other error. */
export function cancellationReasons(error: unknown): readonly CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const { CancellationReasons } = error as Error & { CancellationReasons?: CancellationReason[] };
  return CancellationReasons;
}

/** A lone write that lost to a concurrent transaction on its item. */
export function isTransactionConflict(error: unknown): boolean {
  return error instanceof Error && error.name === "TransactionConflictException";
}

/**
 * Client faults that a later attempt can get past: throttling, contention,
 * and a table that is missing because it is being created or restored.
 */
const RETRYABLE_CLIENT_FAULTS: ReadonlySet<string> = new Set([
  "ResourceNotFoundException",
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TransactionConflictException",
  "TransactionInProgressException",
]);

/**
 * What a failed DynamoDB call means for the caller:
 * - `unavailable`: a retry can cure it (DynamoDB could not be reached or
 *   timed out, throttled, failed on its side, or a concurrent transaction
 *   won): answer 503 with `Retry-After`;
 * - `incurable`: DynamoDB refused the request as the client's fault
 *   (`ValidationException`: a key over 2 KB, a table of another key schema;
 *   a missing permission; an unhandled condition failure): it fails the same
 *   way every time, so 500, logged, and no client is told to retry;
 * - `undefined`: the error did not come out of an AWS SDK call at all.
 */
export type DynamoDbFailure = "unavailable" | "incurable";

/**
 * The one classifier of DynamoDB failures: the idempotency store's and every
 * repository's errors are judged by it. An error came out of an AWS SDK call
 * when the SDK's retry layer stamped its `$metadata` on it (network errors
 * and timeouts included).
 */
export function classifyDynamoDbFailure(error: unknown): DynamoDbFailure | undefined {
  if (!(error instanceof Error) || !("$metadata" in error)) return undefined;
  const reasons = cancellationReasons(error);
  if (reasons !== undefined) {
    // Cancelled by a concurrent transaction only: the next attempt may win.
    const lostARace = reasons.some((reason) => reason.Code === "TransactionConflict");
    const refused = reasons.some(
      (reason) => !["None", "TransactionConflict"].includes(reason.Code ?? "None"),
    );
    return lostARace && !refused ? "unavailable" : "incurable";
  }
  const fault = (error as Error & { $fault?: unknown }).$fault;
  return fault === "client" && !RETRYABLE_CLIENT_FAULTS.has(error.name)
    ? "incurable"
    : "unavailable";
}

/**
 * The answer for a failed store request: 503 with `Retry-After` when a retry
 * can cure it, 500 when none can (see {@link classifyDynamoDbFailure}).
 */
export function storeFailure(cause: unknown, unavailableDetail?: string): IdempotencyError {
  if (classifyDynamoDbFailure(cause) === "incurable") return new IdempotencyStoreError({ cause });
  return new IdempotencyStoreUnavailableError(
    STORE_UNAVAILABLE_RETRY_AFTER_SECONDS,
    { cause },
    unavailableDetail,
  );
}
