import type { OutboxEvent } from "../shared/outbox";

/**
 * Where outbox events go: EventBridge on AWS, a JSON-lines file locally.
 * `publish` resolves once the event is accepted and rejects otherwise; it is
 * called at most once per event id by the publisher use case.
 */
export interface EventPublisher {
  publish(event: OutboxEvent): Promise<void>;
}
