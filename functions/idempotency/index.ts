/**
 * The idempotency layer: one core (records, fingerprints, `decide`, the
 * stores, the commit and lease strategies) and two faces: a Middy HTTP
 * middleware and a wrapper for any function of one payload. Self-contained:
 * it imports nothing else of this project, so it can be lifted as a folder
 * (see README.md beside this file).
 */

// Both faces
export type { Beginning, IdempotentAttempt, Settlement } from "./core/attempt";
export { beginAttempt } from "./core/begin-attempt";
export { IdempotencyStrategy, RecordStatus } from "./core/constants";
export { describeError } from "./core/describe-error";
export * from "./core/errors";
export type { IdempotencyLogger } from "./core/logger";
export type { IdempotencyMetrics, IdempotencyOutcome } from "./core/metrics";
export {
  type IdempotencyCoreOptions,
  type RemainingTime,
  type ResolvedCoreOptions,
  resolveCoreOptions,
} from "./core/options";
export {
  type CompletedRecord,
  type IdempotencyRecord,
  type InProgressRecord,
  type Lease,
  type RequestIdentity,
  recordKey,
} from "./core/record";
export type { ClaimResult, CommitResult, IdempotencyStore } from "./core/store";
// The function face
export {
  type FunctionIdempotencyHandle,
  type IdempotentResult,
  type MakeIdempotentOptions,
  makeIdempotent,
} from "./function/make-idempotent";
// The HTTP face
export { commitHttpAnswer, type HttpAnswerOptions } from "./http/http-commit";
export { type IdempotentHttpEvent, principalFromAuthorizer } from "./http/http-event";
export {
  type Commit,
  callerRecordKey,
  type IdempotencyHandle,
  type IdempotentContext,
  idempotency,
} from "./http/middleware";
export type { IdempotencyOptions } from "./http/options";
export { type HttpResponse, type HttpResult, normalizeResponse } from "./http/response";
export { classifyDynamoDbFailure, type DynamoDbFailure } from "./stores/dynamodb-errors";
// Stores
export {
  DynamoDbIdempotencyStore,
  type DynamoDbIdempotencyStoreOptions,
} from "./stores/dynamodb-store";
export { InMemoryIdempotencyStore, type InMemoryWrite } from "./stores/in-memory-store";
