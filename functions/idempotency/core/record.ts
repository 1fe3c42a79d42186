import { createHash } from "node:crypto";
import * as z from "zod";
import { RecordStatus } from "./constants";

const recordFields = {
  /** A digest of the key's scope and the key, see {@link recordKey}. */
  pk: z.string().min(1),
  /** What makes a repeat "the same request": see `fingerprintOf`. */
  fingerprint: z.string().min(1),
  /** Epoch seconds after which the record counts as absent (DynamoDB's TTL attribute). */
  expiresAt: z.number().int(),
  createdAtMs: z.number().int(),
};

/** Random token of the lease-strategy attempt that claimed the record last (fencing). */
const leaseToken = z.string().min(1);
/** Epoch milliseconds after which another lease-strategy attempt may take the claim over. */
const leaseExpiresAtMs = z.number().int();
/** The last phase an attempt of the request committed (lease strategy): where a takeover resumes. */
const recoveryPoint = z.string().min(1);

/**
 * The record as read back from a store. Parsed, not trusted: it is data from
 * outside the process. The stored answer is a string the face that stored it
 * wrote (the HTTP face: status, headers and body as JSON; the function face:
 * the return value as JSON), so the core knows no transport.
 */
export const idempotencyRecordSchema = z.discriminatedUnion("status", [
  z.object({
    ...recordFields,
    status: z.literal(RecordStatus.InProgress),
    leaseToken,
    leaseExpiresAtMs,
    recoveryPoint: recoveryPoint.optional(),
  }),
  z.object({
    ...recordFields,
    status: z.literal(RecordStatus.Completed),
    answer: z.string(),
    completedAtMs: z.number().int(),
    // Kept from the claim on lease-strategy records; commit-strategy records never had a lease.
    leaseToken: leaseToken.optional(),
    leaseExpiresAtMs: leaseExpiresAtMs.optional(),
    recoveryPoint: recoveryPoint.optional(),
  }),
]);
export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;
export type InProgressRecord = Extract<IdempotencyRecord, { status: "IN_PROGRESS" }>;
export type CompletedRecord = Extract<IdempotencyRecord, { status: "COMPLETED" }>;

/** The claim a lease-strategy attempt holds: it may complete or release only its own. */
export interface Lease {
  readonly pk: string;
  readonly leaseToken: string;
}

/** Who a key belongs to and what it was used for: the two halves of "the same request". */
export interface RequestIdentity {
  /** The record's partition key: {@link recordKey}. */
  readonly pk: string;
  readonly fingerprint: string;
}

/**
 * The record's partition key: a SHA-256 digest of the key's scope (whose
 * keys these are: `["caller", sub]` for the HTTP face) and the key itself.
 * Bounded (49 characters whatever the scope), so DynamoDB's 2,048-byte key
 * limit can refuse no caller, and the raw scope is never stored. Digested as
 * one JSON array, an unambiguous encoding: two different scope-and-key pairs
 * never share a digest input, and `JSON.stringify` escapes lone surrogates,
 * so any string a token can carry is encodable.
 */
export function recordKey(scope: readonly string[], key: string): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([...scope, key]))
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
 * Mirrors `expiresAt < :nowSeconds` in the stores' conditions.
 */
export function isExpired(record: IdempotencyRecord, nowMs: number): boolean {
  return record.expiresAt < toEpochSeconds(nowMs);
}

/** Mirrors `leaseExpiresAtMs < :nowMs` in the DynamoDB claim condition. */
export function isLeaseExpired(record: InProgressRecord, nowMs: number): boolean {
  return record.leaseExpiresAtMs < nowMs;
}
