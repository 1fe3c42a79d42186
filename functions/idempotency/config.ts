import {
  DEFAULT_LEASE_MARGIN_MS,
  DEFAULT_LEASE_WITHOUT_DEADLINE_MS,
  DEFAULT_MAX_STORED_BODY_BYTES,
  DEFAULT_RETENTION_SECONDS,
  DEFAULT_STORED_HEADERS,
} from "./constants";
import { type IdempotentHttpEvent, principalFromAuthorizer } from "./http-event";
import { type IdempotencyLogger, jsonLinesLogger } from "./logger";
import type { IdempotencyStore } from "./store";

export interface IdempotencyOptions<TWrite> {
  /** Where records are kept: `DynamoDbIdempotencyStore` in production. */
  readonly store: IdempotencyStore<TWrite>;
  /**
   * How long a key stays bound to its request and its answer is replayed.
   * @default 86_400 (24 h)
   */
  readonly retentionSeconds?: number;
  /**
   * Added to the invocation's remaining time to form the lease.
   * @default 1_000
   */
  readonly leaseMarginMs?: number;
  /**
   * Lease when the context cannot tell its remaining time.
   * @default 30_000
   */
  readonly leaseWithoutDeadlineMs?: number;
  /**
   * The caller whose keys these are. A request without one is refused: an
   * unscoped key would let one caller receive another's stored answer.
   * @default the `sub` claim the API Gateway JWT authorizer put in the event
   */
  readonly getPrincipal?: (event: IdempotentHttpEvent) => string | undefined;
  /**
   * Response headers stored and replayed (case-insensitive).
   * @default ["content-type", "location", "etag"]
   */
  readonly storedHeaders?: readonly string[];
  /**
   * Largest response body stored, in bytes.
   * @default 65_536
   */
  readonly maxStoredBodyBytes?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default one JSON line per event on stderr */
  readonly logger?: IdempotencyLogger;
}

export type ResolvedIdempotencyOptions<TWrite> = Required<IdempotencyOptions<TWrite>>;

export function resolveOptions<TWrite>(
  options: IdempotencyOptions<TWrite>,
): ResolvedIdempotencyOptions<TWrite> {
  const resolved = {
    retentionSeconds: DEFAULT_RETENTION_SECONDS,
    leaseMarginMs: DEFAULT_LEASE_MARGIN_MS,
    leaseWithoutDeadlineMs: DEFAULT_LEASE_WITHOUT_DEADLINE_MS,
    getPrincipal: principalFromAuthorizer,
    storedHeaders: DEFAULT_STORED_HEADERS,
    maxStoredBodyBytes: DEFAULT_MAX_STORED_BODY_BYTES,
    now: Date.now,
    logger: jsonLinesLogger,
    ...withoutUndefined(options),
    store: options.store,
  };
  for (const [name, value] of Object.entries({
    retentionSeconds: resolved.retentionSeconds,
    leaseMarginMs: resolved.leaseMarginMs,
    leaseWithoutDeadlineMs: resolved.leaseWithoutDeadlineMs,
    maxStoredBodyBytes: resolved.maxStoredBodyBytes,
  })) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`idempotency option ${name} must be a non-negative integer`);
    }
  }
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
