import type { DynamoDBRecord } from "aws-lambda";
import { InMemoryIdempotencyStore } from "../../../functions/idempotency";
import { fingerprintOf } from "../../../functions/idempotency/core/fingerprint";
import { recordKey } from "../../../functions/idempotency/core/record";
import type { EventPublisher } from "../../../functions/outbox/event-publisher";
import {
  PUBLICATION_RETENTION_SECONDS,
  PUBLICATION_SCOPE,
  type PublishOutboxEventsPorts,
  publishOutboxEvents,
} from "../../../functions/outbox/publish-outbox-events";
import type { OutboxEvent } from "../../../functions/shared/outbox";
import { silentLogger } from "../../support/lambda-fixtures";

const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
/** The idempotency record of one event's publication, as the function face keys it. */
const publicationKey = (eventId: string) => recordKey(["function", PUBLICATION_SCOPE], eventId);
const LEASE_MS = 30_000;

/** Records what was published; can be told to fail an event's next publications. */
class RecordingPublisher implements EventPublisher {
  readonly published: OutboxEvent[] = [];
  private readonly failures = new Map<string, number>();

  failNext(eventId: string, times = 1): void {
    this.failures.set(eventId, times);
  }

  async publish(event: OutboxEvent): Promise<void> {
    const remaining = this.failures.get(event.id) ?? 0;
    if (remaining > 0) {
      this.failures.set(event.id, remaining - 1);
      throw new Error("event bus unavailable");
    }
    this.published.push(event);
  }

  ids(): string[] {
    return this.published.map((event) => event.id);
  }
}

let sequence = 0;

function outboxEvent(id: string): OutboxEvent {
  return {
    id,
    type: "account.deposited",
    occurredAt: "2026-11-23T12:00:00.000Z",
    subject: "account-1",
    data: { deposit: { amount: 100, currency: "EUR" } },
  };
}

/** An INSERT of an outbox item, as Lambda delivers it. */
function outboxInsert(id: string): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `stream-event-${sequence}`,
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    dynamodb: {
      SequenceNumber: String(sequence).padStart(21, "0"),
      StreamViewType: "NEW_IMAGE",
      Keys: { pk: { S: `EVENT#${id}` }, sk: { S: "EVENT" } },
      NewImage: {
        pk: { S: `EVENT#${id}` },
        sk: { S: "EVENT" },
        kind: { S: "outbox" },
        id: { S: id },
        type: { S: "account.deposited" },
        occurredAt: { S: "2026-11-23T12:00:00.000Z" },
        subject: { S: "account-1" },
        data: {
          M: { deposit: { M: { amount: { N: "100" }, currency: { S: "EUR" } } } },
        },
      },
    },
  };
}

function otherRecord(
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  image: Record<string, string>,
): DynamoDBRecord {
  sequence += 1;
  const NewImage = Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, { S: value }]),
  );
  return {
    eventName,
    dynamodb: {
      SequenceNumber: String(sequence).padStart(21, "0"),
      ...(eventName === "REMOVE" ? {} : { NewImage }),
    },
  };
}

const sequenceOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber ?? "";

function setUp() {
  const store = new InMemoryIdempotencyStore();
  const publisher = new RecordingPublisher();
  const clock = { ms: NOW_MS };
  const ports: PublishOutboxEventsPorts = {
    store,
    publisher,
    logger: silentLogger,
    // The lease is the invocation's remaining time plus the layer's 1 s margin.
    context: { getRemainingTimeInMillis: () => LEASE_MS - 1_000 },
    now: () => clock.ms,
  };
  return { store, publisher, clock, ports };
}

describe("publishOutboxEvents", () => {
  it("skips records that are not new outbox items", async () => {
    const { publisher, ports } = setUp();
    const records = [
      otherRecord("INSERT", { pk: "ACCOUNT#1", sk: "ENTRY#1", kind: "entry" }),
      otherRecord("MODIFY", { pk: "ACCOUNT#1", sk: "ACCOUNT", kind: "account" }),
      otherRecord("MODIFY", { pk: "EVENT#x", sk: "EVENT", kind: "outbox" }),
      otherRecord("REMOVE", {}),
    ];

    const result = await publishOutboxEvents(records, ports);

    expect(result).toEqual({
      batchItemFailures: [],
      published: 0,
      alreadyPublished: 0,
      ignored: 4,
    });
    expect(publisher.published).toEqual([]);
  });

  it("publishes each outbox event once, in stream order, and records its publication", async () => {
    const { store, publisher, ports } = setUp();
    const records = [
      outboxInsert("event-a"),
      otherRecord("INSERT", { pk: "ACCOUNT#1", sk: "ACCOUNT", kind: "account" }),
      outboxInsert("event-b"),
    ];

    const result = await publishOutboxEvents(records, ports);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.published).toBe(2);
    expect(publisher.published).toEqual([outboxEvent("event-a"), outboxEvent("event-b")]);
    expect(store.get(publicationKey("event-a"))).toMatchObject({
      status: "COMPLETED",
      expiresAt: NOW_MS / 1000 + PUBLICATION_RETENTION_SECONDS,
    });
  });

  it("publishes nothing again when a batch is redelivered", async () => {
    const { publisher, ports } = setUp();
    const records = [outboxInsert("event-a"), outboxInsert("event-b")];
    await publishOutboxEvents(records, ports);

    const redelivery = await publishOutboxEvents(records, ports);

    expect(redelivery).toEqual({
      batchItemFailures: [],
      published: 0,
      alreadyPublished: 2,
      ignored: 0,
    });
    expect(publisher.ids()).toEqual(["event-a", "event-b"]);
  });

  it("reports a failed publication and every later record, releases its claim, and publishes it once on retry", async () => {
    const { store, publisher, ports } = setUp();
    const records = [outboxInsert("event-a"), outboxInsert("event-b"), outboxInsert("event-c")];
    publisher.failNext("event-b");

    const first = await publishOutboxEvents(records, ports);

    expect(first.batchItemFailures).toEqual([
      { itemIdentifier: sequenceOf(records[1] ?? {}) },
      { itemIdentifier: sequenceOf(records[2] ?? {}) },
    ]);
    expect(publisher.ids()).toEqual(["event-a"]);
    expect(store.get(publicationKey("event-b"))).toBeUndefined();
    expect(store.get(publicationKey("event-c"))).toBeUndefined();

    // Lambda resumes at the lowest failed sequence number; a whole-batch
    // redelivery (after a crash) must not publish event-a again either.
    const retry = await publishOutboxEvents(records.slice(1), ports);
    const wholeBatchAgain = await publishOutboxEvents(records, ports);

    expect(retry.batchItemFailures).toEqual([]);
    expect(wholeBatchAgain).toMatchObject({ batchItemFailures: [], alreadyPublished: 3 });
    expect(publisher.ids()).toEqual(["event-a", "event-b", "event-c"]);
  });

  it("reports an event another consumer is publishing under a live lease, and takes over once it runs out", async () => {
    const { store, publisher, clock, ports } = setUp();
    const records = [outboxInsert("event-a"), outboxInsert("event-b")];
    store.put({
      pk: publicationKey("event-a"),
      status: "IN_PROGRESS",
      // The publisher fingerprints an event by its id.
      fingerprint: fingerprintOf("event-a"),
      leaseToken: "another-consumer",
      leaseExpiresAtMs: NOW_MS + 5_000,
      expiresAt: NOW_MS / 1000 + PUBLICATION_RETENTION_SECONDS,
      createdAtMs: NOW_MS,
    });

    const whileHeld = await publishOutboxEvents(records, ports);

    expect(whileHeld.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      records.map(sequenceOf),
    );
    expect(publisher.published).toEqual([]);
    expect(store.get(publicationKey("event-a"))?.leaseToken).toBe("another-consumer");

    clock.ms = NOW_MS + 5_001;
    const afterLease = await publishOutboxEvents(records, ports);

    expect(afterLease.batchItemFailures).toEqual([]);
    expect(publisher.ids()).toEqual(["event-a", "event-b"]);
  });

  it("reports an outbox record it cannot read", async () => {
    const { publisher, ports } = setUp();
    const unreadable = outboxInsert("event-a");
    const image = unreadable.dynamodb?.NewImage;
    if (image) image.occurredAt = { S: "yesterday" };
    const records = [unreadable, outboxInsert("event-b")];

    const result = await publishOutboxEvents(records, ports);

    expect(result.batchItemFailures).toHaveLength(2);
    expect(publisher.published).toEqual([]);
  });

  it("reports the record when the idempotency store cannot be reached, and publishes nothing", async () => {
    const { publisher, ports } = setUp();
    const unreachable: PublishOutboxEventsPorts = {
      ...ports,
      store: {
        peek: () => Promise.reject(new Error("connection refused")),
        commit: () => Promise.reject(new Error("connection refused")),
        claim: () => Promise.reject(new Error("connection refused")),
        advance: () => Promise.reject(new Error("connection refused")),
        complete: () => Promise.reject(new Error("connection refused")),
        release: () => Promise.reject(new Error("connection refused")),
      },
    };
    const records = [outboxInsert("event-a")];

    const result = await publishOutboxEvents(records, unreachable);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(records[0] ?? {}) }]);
    expect(publisher.published).toEqual([]);
  });

  it("counts an event as published when only its completion fails, so it is not retried", async () => {
    const { store, publisher, ports } = setUp();
    const forgetful: PublishOutboxEventsPorts = {
      ...ports,
      store: {
        peek: (pk, nowMs) => store.peek(pk, nowMs),
        commit: (record, nowMs, writes) => store.commit(record, nowMs, writes),
        claim: (record, nowMs) => store.claim(record, nowMs),
        advance: (lease, point, writes) => store.advance(lease, point, writes),
        complete: () => Promise.reject(new Error("throttled")),
        release: (lease) => store.release(lease),
      },
    };

    const result = await publishOutboxEvents([outboxInsert("event-a")], forgetful);

    expect(result).toMatchObject({ batchItemFailures: [], published: 1 });
    expect(publisher.ids()).toEqual(["event-a"]);
    expect(store.get(publicationKey("event-a"))?.status).toBe("IN_PROGRESS");
  });
});
