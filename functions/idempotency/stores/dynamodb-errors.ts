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
 * The answer for a failed store request. Throttling, DynamoDB's own faults
 * and network errors pass: 503 with `Retry-After`. A request DynamoDB refuses
 * as the client's fault otherwise (`ValidationException`: a key over 2 KB, a
 * table whose key schema is another; a missing permission) fails the same way every time: 500, so no client is told to
 * retry what can never succeed.
 */
export function storeFailure(cause: unknown, unavailableDetail?: string): IdempotencyError {
  if (isIncurable(cause)) return new IdempotencyStoreError({ cause });
  return new IdempotencyStoreUnavailableError(
    STORE_UNAVAILABLE_RETRY_AFTER_SECONDS,
    { cause },
    unavailableDetail,
  );
}

function isIncurable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const fault = (error as Error & { $fault?: unknown }).$fault;
  return fault === "client" && !RETRYABLE_CLIENT_FAULTS.has(error.name);
}
