/**
 * The idempotency layer: a Middy middleware and its stores. Self-contained:
 * it imports nothing else of this project, so it can be lifted as a folder.
 */
export type { IdempotencyOptions } from "./config";
export * from "./constants";
export { type Decision, decide } from "./decide";
export { DynamoDbIdempotencyStore, type DynamoDbIdempotencyStoreOptions } from "./dynamodb-store";
export * from "./errors";
export { canonicalJson, fingerprint, type RequestIdentity } from "./fingerprint";
export { type IdempotentHttpEvent, principalFromAuthorizer } from "./http-event";
export { InMemoryIdempotencyStore, type InMemoryWrite } from "./in-memory-store";
export { parseIdempotencyKey, readIdempotencyKey, requireIdempotencyKey } from "./key";
export type { IdempotencyLogger } from "./logger";
export {
  type IdempotencyHandle,
  type IdempotentContext,
  idempotency,
} from "./middleware";
export type {
  CompletedRecord,
  IdempotencyRecord,
  InProgressRecord,
  Lease,
  StoredResponse,
} from "./record";
export { recordKey } from "./record";
export { type HttpResponse, type HttpResult, normalizeResponse } from "./response";
export type { ClaimResult, IdempotencyStore } from "./store";
