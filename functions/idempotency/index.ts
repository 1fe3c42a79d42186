// biome-ignore-all assist/source/organizeImports: grouped by face, in reading order
/**
 * The idempotency layer: one core (records, fingerprints, `decide`, the
 * stores, the commit and lease strategies) and two faces: a Middy HTTP
 * middleware and a wrapper for any function of one payload. Self-contained:
 * it imports nothing else of this project, so it can be lifted as a folder
 * (see README.md beside this file).
 *
 * This file is the public API: what a route, a consumer or a reconciler
 * needs. Everything else (record shapes, key layout, the store's results)
 * is the layer's own; its tests import it from the module that defines it,
 * and so does a store of your own (core/store.ts, core/record.ts). Loading
 * this file loads the DynamoDB store: code that must bundle none of it (a
 * route without idempotency) imports the one module it needs.
 */

// The HTTP face: a Middy middleware
export { type IdempotencyHandle, type IdempotentContext, idempotency } from "./http/middleware";
export type { IdempotencyOptions } from "./http/options";
export type { IdempotentHttpEvent } from "./http/http-event";
export type { HttpResponse, HttpResult } from "./http/response";

// The function face
export {
  type FunctionIdempotencyHandle,
  type MakeIdempotentOptions,
  makeIdempotent,
} from "./function/make-idempotent";
export type { RemainingTime } from "./core/options";

// Both faces
export type { Commit } from "./core/commit";
export { IdempotencyStrategy } from "./core/constants";
export type { IdempotencyLogger } from "./core/logger";
// Error details safe to log: the project logs its own errors with it too.
export { describeError } from "./core/describe-error";
export type { IdempotencyMetrics, IdempotencyOutcome } from "./core/metrics";
export type { RequestIdentity } from "./core/record";

// Stores
export type { IdempotencyStore } from "./core/store";
export {
  DynamoDbIdempotencyStore,
  type DynamoDbIdempotencyStoreOptions,
} from "./stores/dynamodb-store";
export { InMemoryIdempotencyStore, type InMemoryWrite } from "./stores/in-memory-store";

// Resuming a request's attempt outside its face (a reconciler completing it)
export { beginAttempt } from "./core/begin-attempt";
export {
  type IdempotencyCoreOptions,
  type ResolvedCoreOptions,
  resolveCoreOptions,
} from "./core/options";
export { commitHttpAnswer } from "./http/http-commit";

// Errors
export {
  BusinessWriteRejectedError,
  IdempotencyConfigurationError,
  IdempotencyError,
  IdempotencyKeyInProgressError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  IdempotencyKeyReusedError,
  IdempotencyLeaseLostError,
  IdempotencyResponseTooLargeError,
  IdempotencyStoreError,
  IdempotencyStoreUnavailableError,
} from "./core/errors";
