import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { OutboxEvent } from "../shared/outbox";
import type { EventPublisher } from "./event-publisher";

/** The `source` of every event this API puts on the bus: what rules match on. */
export const EVENT_SOURCE = "payments.api";

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  readonly eventBusName: string;
}

/** Puts each event on the API's EventBridge bus, one PutEvents entry per event. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;

  constructor(options: EventBridgePublisherOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
  }

  async publish(event: OutboxEvent): Promise<void> {
    const output = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.eventBusName,
            Source: EVENT_SOURCE,
            DetailType: event.type,
            // The whole event, id included: consumers deduplicate on it.
            Detail: JSON.stringify(event),
            Time: new Date(event.occurredAt),
          },
        ],
      }),
    );
    // PutEvents answers 200 even when an entry was refused: the refusal is
    // only in FailedEntryCount and the entry's ErrorCode.
    if ((output.FailedEntryCount ?? 0) > 0) {
      const entry = output.Entries?.[0];
      throw new Error(
        `EventBridge refused event ${event.id}: ${entry?.ErrorCode ?? "unknown error"} ${entry?.ErrorMessage ?? ""}`.trim(),
      );
    }
  }
}
