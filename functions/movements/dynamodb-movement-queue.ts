import { createHash } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { unsettledIndex } from "../../lib/tables/table-definitions";
import { toEpochSeconds } from "../idempotency/core/record";
import type { DataTable, ItemKey } from "../shared/dynamodb/data-table";
import { type MovementOutcome, movementOutcomeSchema, movementSchema } from "./movement";
import type {
  EnqueueResult,
  MovementMarker,
  MovementQueue,
  QueuedMovement,
  WaitingQueue,
} from "./movement-queue";

/**
 * Keys: a marker has a partition of its own (the request's identity); a
 * queue is a partition of its account's, sorted by arrival; its fold lease
 * is one item beside it, in a partition of its own so that reading the
 * queue's head never reads the lease.
 */
const markerKey = (key: string): ItemKey => ({ pk: `MOVEMENT#${key}`, sk: "MOVEMENT" });
const queueKey = (queue: string, seq: string): ItemKey => ({ pk: `QUEUE#${queue}`, sk: seq });
const leaseKey = (queue: string): ItemKey => ({ pk: `FOLDER#${queue}`, sk: "LEASE" });

/** A marker past its retention counts as absent, whether or not TTL has deleted it. */
const NO_LIVE_MARKER = "attribute_not_exists(pk) OR expiresAt < :nowSeconds";

const markerItemSchema = z.discriminatedUnion("status", [
  z.object({
    pk: z.string(),
    key: z.string(),
    fingerprint: z.string(),
    status: z.literal("queued"),
  }),
  z.object({
    pk: z.string(),
    key: z.string(),
    fingerprint: z.string(),
    status: z.literal("settled"),
    outcome: movementOutcomeSchema,
  }),
]);
const queueItemSchema = z.object({
  queue: z.string(),
  seq: z.string(),
  key: z.string(),
  movement: movementSchema,
  expiresAt: z.number().int(),
});
/**
 * The unsettled index's partitions of queued movements, by queue: every
 * entry goes in and out of the index, and one index partition takes about
 * 1,000 writes a second; ten spread the queues of many hot accounts.
 */
const WAITING_SHARDS = 10;
const waitingPartition = (queue: string) =>
  `MOVEMENT#${createHash("sha256").update(queue).digest().readUInt32BE(0) % WAITING_SHARDS}`;
const waitingItemSchema = z.object({ queue: z.string(), unsettledSinceMs: z.number().int() });
const leaseItemSchema = z.object({ pk: z.string(), leaseUntilMs: z.number().int() });

function markerOf(item: z.infer<typeof markerItemSchema>): MovementMarker {
  const { key, fingerprint } = item;
  return item.status === "queued"
    ? { key, fingerprint, status: "queued" }
    : { key, fingerprint, status: "settled", outcome: item.outcome };
}

export class DynamoDbMovementQueue implements MovementQueue<TransactWriteItem> {
  constructor(private readonly table: DataTable) {}

  async enqueue(
    entry: QueuedMovement & { readonly fingerprint: string },
    nowMs: number,
  ): Promise<EnqueueResult> {
    const { queue, seq, key, fingerprint, movement, expiresAt } = entry;
    const queued = await this.table.transact([
      this.putMarker(
        {
          ...markerKey(key),
          kind: "movement",
          key,
          fingerprint,
          status: "queued",
          // The entry it is settled from: a stale entry of an expired marker never settles a new one.
          seq,
          expiresAt,
        },
        nowMs,
      ),
      this.table.create({
        ...queueKey(queue, seq),
        kind: "queued-movement",
        queue,
        seq,
        key,
        movement,
        expiresAt,
        // In the sparse index the reconciler reads: a movement nobody folds is found there.
        [unsettledIndex.partitionKey.name]: waitingPartition(queue),
        [unsettledIndex.sortKey.name]: nowMs,
      }),
    ]);
    if (queued) return { queued: true };
    // Refused by a live marker, or cancelled by a transaction in flight on it
    // (a duplicate's), which may not have committed one yet.
    const marker = await this.marker(key, nowMs);
    return marker ? { queued: false, marker } : { queued: false, contended: true };
  }

  async poll(key: string, queue: string, nowMs: number) {
    const items = await this.table.getMany([markerKey(key), leaseKey(queue)]);
    const markerItem = items.find((item) => item.pk === markerKey(key).pk);
    const leaseItem = items.find((item) => item.pk === leaseKey(queue).pk);
    const lease = leaseItem && leaseItemSchema.parse(leaseItem);
    return {
      // Even past its end: a marker settled before then still answers its request.
      marker: markerItem && markerOf(markerItemSchema.parse(markerItem)),
      leaseFree: !lease || lease.leaseUntilMs < nowMs,
    };
  }

  takeLease(queue: string, token: string, untilMs: number, nowMs: number): Promise<boolean> {
    return this.table.putIf(
      { ...leaseKey(queue), kind: "fold-lease", token, leaseUntilMs: untilMs },
      {
        expression: "attribute_not_exists(pk) OR leaseUntilMs < :nowMs",
        values: { ":nowMs": nowMs },
      },
    );
  }

  async releaseLease(queue: string, token: string): Promise<void> {
    await this.table.deleteIf(leaseKey(queue), {
      expression: "#token = :token",
      names: { "#token": "token" },
      values: { ":token": token },
    });
  }

  async waiting(beforeMs: number, limit: number): Promise<readonly WaitingQueue[]> {
    const index = {
      name: unsettledIndex.name,
      partitionKey: unsettledIndex.partitionKey.name,
      sortKey: unsettledIndex.sortKey.name,
    };
    const shards = await Promise.all(
      Array.from({ length: WAITING_SHARDS }, (_, shard) =>
        this.table.queryIndexBelow(index, `MOVEMENT#${shard}`, beforeMs, waitingItemSchema, limit),
      ),
    );
    return shards
      .flat()
      .sort((a, b) => a.unsettledSinceMs - b.unsettledSinceMs)
      .slice(0, limit)
      .map((item) => ({ queue: item.queue, sinceMs: item.unsettledSinceMs }));
  }

  async head(queue: string, limit: number): Promise<readonly QueuedMovement[]> {
    return this.table.queryPrefix(`QUEUE#${queue}`, undefined, queueItemSchema, { limit });
  }

  settledMarker(
    marker: {
      readonly key: string;
      readonly fingerprint: string;
      readonly outcome: MovementOutcome;
    },
    expiresAt: number,
    nowMs: number,
  ): TransactWriteItem {
    return this.putMarker(
      { ...markerKey(marker.key), kind: "movement", ...marker, status: "settled", expiresAt },
      nowMs,
    );
  }

  settle(queued: QueuedMovement, outcome: MovementOutcome): readonly TransactWriteItem[] {
    return [
      this.table.update(
        markerKey(queued.key),
        { status: "settled", outcome },
        {
          expression: "#status = :queued AND seq = :seq",
          names: { "#status": "status" },
          values: { ":queued": "queued", ":seq": queued.seq },
        },
      ),
      this.table.remove(queueKey(queued.queue, queued.seq)),
    ];
  }

  drop(queued: QueuedMovement): TransactWriteItem {
    return this.table.remove(queueKey(queued.queue, queued.seq));
  }

  transact(writes: readonly TransactWriteItem[]): Promise<boolean> {
    return this.table.transact(writes);
  }

  private async marker(key: string, nowMs: number): Promise<MovementMarker | undefined> {
    const [item] = await this.table.getMany([markerKey(key)]);
    return item && this.liveMarker(item, nowMs);
  }

  private liveMarker(item: Record<string, unknown>, nowMs: number): MovementMarker | undefined {
    const { expiresAt } = z.object({ expiresAt: z.number().int() }).parse(item);
    return expiresAt < toEpochSeconds(nowMs) ? undefined : markerOf(markerItemSchema.parse(item));
  }

  private putMarker(item: ItemKey & Record<string, unknown>, nowMs: number): TransactWriteItem {
    return this.table.replace(item, {
      expression: NO_LIVE_MARKER,
      values: { ":nowSeconds": toEpochSeconds(nowMs) },
    });
  }
}
