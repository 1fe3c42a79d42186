import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { newId } from "../domain/primitives";
import type { DataTable, ItemKey } from "./dynamodb/data-table";

/**
 * The transactional outbox, and THE definition of its item: the kind, the
 * key and the stream filter live here alone. The repositories write items
 * with `writeOutboxEvent` (a use case calls their `recordEvent`); the CDK builds the publisher's event filter from
 * `outboxStreamFilterPattern`; the local stream runner and the publisher
 * pick records with `isOutboxInsert`; the publisher reads items with the
 * schema in functions/outbox/outbox-stream-record.ts, built on `outboxItemKey`.
 */

/**
 * An event of the transactional outbox: written in the same transaction as
 * the change it describes, published from the table's stream afterwards.
 */
export interface OutboxEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  /** The id of the account, transfer or order the event is about. */
  readonly subject: string;
  readonly data: Record<string, unknown>;
  /** The API Gateway request id of the request that caused it: follow an event back to its logs. */
  readonly correlationId?: string;
}

export function outboxEvent(
  type: string,
  subject: string,
  data: Record<string, unknown>,
  occurredAt: string,
  correlationId: string,
): OutboxEvent {
  return { id: newId(), type, occurredAt, subject, data, correlationId };
}

/** The `kind` attribute of outbox items: what the stream filter picks. */
export const OUTBOX_KIND = "outbox";

/** An event's outbox item has a partition of its own, named after the event's id. */
export function outboxItemKey(eventId: string): ItemKey {
  return { pk: `EVENT#${eventId}`, sk: "EVENT" };
}

/**
 * The stream event of a new item. Outbox items are only ever created (the
 * write requires a new key), so it is the one event of theirs that matters.
 */
const INSERT = "INSERT";

/**
 * The Lambda event filter that lets only new outbox items through to the
 * publisher (other changes of the table cost nothing).
 */
export const outboxStreamFilterPattern = {
  eventName: [INSERT],
  dynamodb: { NewImage: { kind: { S: [OUTBOX_KIND] } } },
} as const;

/**
 * The filter's rule for one record: for the local stream runner, which has
 * no event filter to stand in front of the publisher, and for the publisher
 * itself, which must not depend on its trigger being filtered.
 */
export function isOutboxInsert(record: DynamoDBRecord): boolean {
  return record.eventName === INSERT && record.dynamodb?.NewImage?.kind?.S === OUTBOX_KIND;
}

/** The outbox item of an event, created in the transaction of the change it describes. */
export function writeOutboxEvent(table: DataTable, event: OutboxEvent): TransactWriteItem {
  return table.create({ ...outboxItemKey(event.id), kind: OUTBOX_KIND, ...event });
}
