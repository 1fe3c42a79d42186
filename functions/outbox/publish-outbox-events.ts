import type { DynamoDBBatchItemFailure, DynamoDBRecord } from "aws-lambda";
import {
  describeError,
  IdempotencyKeyInProgressError,
  type IdempotencyMetrics,
  type IdempotencyStore,
  makeIdempotent,
  type RemainingTime,
} from "../idempotency";
import type { Logger } from "../shared/observability/logger";
import { isOutboxInsert, type OutboxEvent } from "../shared/outbox";
import type { EventPublisher } from "./event-publisher";
import { outboxEventOf } from "./outbox-stream-record";

/** Whose keys the publisher's records are: apart from every HTTP caller's. */
export const PUBLICATION_SCOPE = "outbox-publisher";

/**
 * How long a publication is remembered: longer than DynamoDB Streams keeps a
 * record (24 h), so any redelivery of an event still finds its record.
 */
export const PUBLICATION_RETENTION_SECONDS = 2 * 86_400;

export interface PublishOutboxEventsPorts {
  readonly store: IdempotencyStore;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /**
   * The invocation, whose remaining time bounds the lease of each claim: no
   * other consumer may publish the event while this attempt can still run.
   * @default none: the layer's lease without a deadline (30 s)
   */
  readonly context?: RemainingTime;
  /** Counts each event's outcome (executed = published, replayed = suppressed). @default silent */
  readonly metrics?: IdempotencyMetrics;
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
  /** Milliseconds from the oldest published event's commit to its publication. */
  readonly maxLagMs?: number;
}

type Outcome =
  | { readonly kind: "published"; readonly lagMs: number }
  | { readonly kind: "already-published" | "ignored" | "failed" };

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
  const counts: {
    published: number;
    alreadyPublished: number;
    ignored: number;
    maxLagMs?: number;
  } = { published: 0, alreadyPublished: 0, ignored: 0 };
  const publish = publishOnceWith(ports);
  for (const [index, record] of records.entries()) {
    const outcome = await publishRecord(record, publish, ports);
    if (outcome.kind === "failed") {
      return { ...counts, batchItemFailures: records.slice(index).map(itemFailure) };
    }
    if (outcome.kind === "published") {
      counts.published += 1;
      counts.maxLagMs = Math.max(counts.maxLagMs ?? 0, outcome.lagMs);
    } else if (outcome.kind === "already-published") counts.alreadyPublished += 1;
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
  publish: ReturnType<typeof publishOnceWith>,
  ports: PublishOutboxEventsPorts,
): Promise<Outcome> {
  if (!isOutboxInsert(record)) return { kind: "ignored" };
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  let event: OutboxEvent;
  try {
    event = outboxEventOf(record);
  } catch (error) {
    // Reported, not skipped: after its retries it reaches the on-failure
    // destination, where someone can look at it.
    ports.logger.error("unreadable outbox record", { sequenceNumber, ...describeError(error) });
    return { kind: "failed" };
  }
  return publishOnce(event, publish, ports);
}

/**
 * Publishes an event at most once per event id, through the layer's function
 * face with the lease strategy (the effect leaves DynamoDB): a publication is
 * claimed, published, then completed, and a completed one is skipped.
 */
function publishOnceWith(ports: PublishOutboxEventsPorts) {
  return makeIdempotent(async (event: OutboxEvent) => ports.publisher.publish(event), {
    store: ports.store,
    strategy: "lease",
    scope: PUBLICATION_SCOPE,
    keyOf: (event) => event.id,
    // An event id names one event for good: its content cannot differ.
    fingerprintOf: (event) => event.id,
    retentionSeconds: PUBLICATION_RETENTION_SECONDS,
    logger: ports.logger,
    ...(ports.metrics ? { metrics: ports.metrics } : {}),
    ...(ports.now ? { now: ports.now } : {}),
  });
}

async function publishOnce(
  event: OutboxEvent,
  publish: ReturnType<typeof publishOnceWith>,
  ports: PublishOutboxEventsPorts,
): Promise<Outcome> {
  const about = { eventId: event.id, type: event.type, correlationId: event.correlationId };
  try {
    const { replayed } = await publish(event, ports.context);
    if (replayed) {
      ports.logger.info("event already published; skipped", about);
      return { kind: "already-published" };
    }
    const lagMs = (ports.now ?? Date.now)() - Date.parse(event.occurredAt);
    return { kind: "published", lagMs };
  } catch (error) {
    // In progress under a live lease means another consumer is publishing it:
    // retry later, never publish alongside its owner.
    if (error instanceof IdempotencyKeyInProgressError) {
      ports.logger.warn("event being published by another attempt; will retry", about);
    } else {
      ports.logger.error("event not published; will retry", { ...about, ...describeError(error) });
    }
    return { kind: "failed" };
  }
}
