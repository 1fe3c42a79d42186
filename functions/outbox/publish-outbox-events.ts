import { randomUUID } from "node:crypto";
import type { DynamoDBBatchItemFailure, DynamoDBRecord } from "aws-lambda";
import {
  decide,
  type IdempotencyStore,
  type InProgressRecord,
  type Lease,
  RecordStatus,
  type StoredResponse,
} from "../idempotency";
import type { Logger } from "../shared/logger";
import type { OutboxEvent } from "../shared/outbox";
import type { EventPublisher } from "./event-publisher";
import { isOutboxInsert, outboxEventOf } from "./outbox-item";

/**
 * The publisher's records share the idempotency table with the API's. The
 * API's keys start with a URI-encoded principal, which never contains `:`,
 * so no caller's key can collide with a publication record.
 */
const PUBLICATION_SCOPE = "outbox:publisher";

/** The idempotency record of one event's publication. */
export function publicationKey(eventId: string): string {
  return `${PUBLICATION_SCOPE}#${eventId}`;
}

/**
 * How long a publication is remembered: longer than DynamoDB Streams keeps a
 * record (24 h), so any redelivery of an event still finds its record.
 */
export const PUBLICATION_RETENTION_SECONDS = 2 * 86_400;

/** The record's stored answer; for a publication it only means "done". */
const PUBLISHED: StoredResponse = {
  statusCode: 204,
  headers: {},
  body: "",
  isBase64Encoded: false,
};

export interface PublishOutboxEventsPorts {
  readonly store: IdempotencyStore;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /**
   * The lease of the next claim: how long no other consumer may publish the
   * event. It must outlast this attempt (the invocation's remaining time on
   * Lambda), or a takeover could publish the event a second time.
   */
  readonly leaseDurationMs: () => number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface PublishOutboxEventsResult {
  /** Lambda's partial batch response: the records to deliver again. */
  readonly batchItemFailures: DynamoDBBatchItemFailure[];
  readonly published: number;
  /** Outbox records whose event was published before: redeliveries. */
  readonly alreadyPublished: number;
  /** Records that are not new outbox items. */
  readonly ignored: number;
}

type Outcome = "published" | "already-published" | "ignored" | "failed";

/**
 * Publishes the outbox events of a batch of stream records, in order, each
 * at most once per event id: a publication is claimed in the idempotency
 * store, published, then completed, and a completed claim means "skip".
 *
 * At the first failure processing STOPS, and that record and every later one
 * are reported in `batchItemFailures`. Lambda retries from the lowest failed
 * sequence number anyway, so the later records would be delivered again
 * whatever they did; stopping keeps events in stream order and spends
 * nothing on work the retry repeats.
 */
export async function publishOutboxEvents(
  records: readonly DynamoDBRecord[],
  ports: PublishOutboxEventsPorts,
): Promise<PublishOutboxEventsResult> {
  const counts = { published: 0, alreadyPublished: 0, ignored: 0 };
  for (const [index, record] of records.entries()) {
    const outcome = await publishRecord(record, ports);
    if (outcome === "failed") {
      return { ...counts, batchItemFailures: records.slice(index).map(itemFailure) };
    }
    if (outcome === "published") counts.published += 1;
    else if (outcome === "already-published") counts.alreadyPublished += 1;
    else counts.ignored += 1;
  }
  return { ...counts, batchItemFailures: [] };
}

/**
 * Lambda reads an empty identifier as a failure of the whole batch: the safe
 * answer for a record it could not name (the whole batch is then redelivered
 * and the published events are skipped).
 */
function itemFailure(record: DynamoDBRecord): DynamoDBBatchItemFailure {
  return { itemIdentifier: record.dynamodb?.SequenceNumber ?? "" };
}

async function publishRecord(
  record: DynamoDBRecord,
  ports: PublishOutboxEventsPorts,
): Promise<Outcome> {
  if (!isOutboxInsert(record)) return "ignored";
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  let event: OutboxEvent;
  try {
    event = outboxEventOf(record);
  } catch (error) {
    // Reported, not skipped: after its retries it reaches the on-failure
    // destination, where someone can look at it.
    ports.logger.error("unreadable outbox record", { sequenceNumber, ...describeError(error) });
    return "failed";
  }
  return publishOnce(event, ports);
}

async function publishOnce(event: OutboxEvent, ports: PublishOutboxEventsPorts): Promise<Outcome> {
  const { store, publisher, logger } = ports;
  const now = ports.now ?? Date.now;
  const nowMs = now();
  const claim: InProgressRecord = {
    pk: publicationKey(event.id),
    status: RecordStatus.InProgress,
    fingerprint: event.id,
    leaseToken: randomUUID(),
    leaseExpiresAtMs: nowMs + ports.leaseDurationMs(),
    expiresAt: Math.floor(nowMs / 1000) + PUBLICATION_RETENTION_SECONDS,
    createdAtMs: nowMs,
  };
  const about = { eventId: event.id, type: event.type };

  let result: Awaited<ReturnType<IdempotencyStore["claim"]>>;
  try {
    result = await store.claim(claim, nowMs);
  } catch (error) {
    logger.error("outbox publication not claimed; will retry", {
      ...about,
      ...describeError(error),
    });
    return "failed";
  }
  if (!result.claimed) {
    const decision = decide(result.existing, claim.fingerprint, nowMs);
    if (decision.kind === "replay") {
      logger.info("event already published; skipped", about);
      return "already-published";
    }
    // In progress under a live lease (another consumer is publishing it), or
    // the record changed between claim and read: retry later, never publish
    // alongside its owner.
    logger.warn("event being published by another attempt; will retry", {
      ...about,
      decision: decision.kind,
    });
    return "failed";
  }

  const lease: Lease = { pk: claim.pk, leaseToken: claim.leaseToken };
  try {
    await publisher.publish(event);
  } catch (error) {
    logger.error("event not published; will retry", { ...about, ...describeError(error) });
    await release(store, lease, logger);
    return "failed";
  }

  try {
    await store.complete(lease, PUBLISHED, now());
  } catch (error) {
    // The event is out. Reporting the record as failed would have its retry
    // publish it again once this lease runs out; counting it as done does so
    // only if the whole batch is redelivered before the lease ends.
    logger.error("event published but its publication not recorded", {
      ...about,
      ...describeError(error),
    });
  }
  return "published";
}

/** Frees the claim so the retry can publish at once; a failure leaves it to the lease. */
async function release(store: IdempotencyStore, lease: Lease, logger: Logger): Promise<void> {
  try {
    await store.release(lease);
  } catch (error) {
    logger.warn("outbox publication claim not released", describeError(error));
  }
}

function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  return { error: error.name, errorMessage: error.message };
}
