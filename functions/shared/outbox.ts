import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { newId } from "../domain/primitives";
import type { DataTable } from "./dynamodb/data-table";

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

/** The outbox item: its own partition, so the stream filter can pick `kind = "outbox"`. */
export function writeOutboxEvent(table: DataTable, event: OutboxEvent): TransactWriteItem {
  return table.create({ pk: `EVENT#${event.id}`, sk: "EVENT", kind: "outbox", ...event });
}
