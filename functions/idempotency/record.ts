import { createHash } from "node:crypto";
import * as z from "zod";
import { RecordStatus } from "./constants";

/** A response as stored with its record: only what is needed to replay it. */
export const storedResponseSchema = z.object({
  statusCode: z.number().int().min(100).max(599),
  /** Allow-listed headers, names in lower case. */
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  isBase64Encoded: z.boolean(),
});
export type StoredResponse = z.infer<typeof storedResponseSchema>;

const recordFields = {
  /** The scope of the key: the caller and the key, see {@link recordKey}. */
  pk: z.string().min(1),
  fingerprint: z.string().min(1),
  /** Random token of the attempt that claimed the record last (fencing). */
  leaseToken: z.string().min(1),
  /** Epoch milliseconds after which another attempt may take the claim over. */
  leaseExpiresAtMs: z.number().int(),
  /** Epoch seconds after which the record counts as absent (DynamoDB's TTL attribute). */
  expiresAt: z.number().int(),
  createdAtMs: z.number().int(),
};

/**
 * The record as read back from a store. Parsed, not trusted: it is data from
 * outside the process.
 */
export const idempotencyRecordSchema = z.discriminatedUnion("status", [
  z.object({ ...recordFields, status: z.literal(RecordStatus.InProgress) }),
  z.object({
    ...recordFields,
    status: z.literal(RecordStatus.Completed),
    response: storedResponseSchema,
    completedAtMs: z.number().int(),
  }),
]);
export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;
export type InProgressRecord = Extract<IdempotencyRecord, { status: "IN_PROGRESS" }>;
export type CompletedRecord = Extract<IdempotencyRecord, { status: "COMPLETED" }>;

/** The claim an attempt holds: it may complete or release only its own. */
export interface Lease {
  readonly pk: string;
  readonly leaseToken: string;
}

/**
 * The record's partition key: a SHA-256 digest of the scope, the caller and
 * the key. Bounded (49 characters whatever the caller's `sub`), so DynamoDB's
 * 2,048-byte key limit can refuse no caller, and the raw `sub` is never
 * stored. The scope is digested as a JSON array, an unambiguous encoding:
 * two different (caller, key) pairs never share a digest input, so callers
 * stay exactly as separate as the pair is. `JSON.stringify` escapes lone
 * surrogates, so any string a token can carry is encodable.
 */
export function recordKey(principal: string, key: string): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([principal, key]))
    .digest("base64url");
  return `sha256:${digest}`;
}

/** Epoch seconds of a millisecond clock reading, as the TTL attribute counts. */
export function toEpochSeconds(epochMs: number): number {
  return Math.floor(epochMs / 1000);
}

/**
 * A record past its retention counts as absent, whether or not DynamoDB's TTL
 * has deleted it yet (deletion lags by up to two days).
 * Mirrors `expiresAt < :nowSeconds` in the DynamoDB claim condition.
 */
export function isExpired(record: IdempotencyRecord, nowMs: number): boolean {
  return record.expiresAt < toEpochSeconds(nowMs);
}

/** Mirrors `leaseExpiresAtMs < :nowMs` in the DynamoDB claim condition. */
export function isLeaseExpired(record: IdempotencyRecord, nowMs: number): boolean {
  return record.leaseExpiresAtMs < nowMs;
}
