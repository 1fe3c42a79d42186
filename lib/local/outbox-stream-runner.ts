import { resolve } from "node:path";
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import * as z from "zod";
import { DynamoDbIdempotencyStore, describeError } from "../../functions/idempotency";
import type { EventPublisher } from "../../functions/outbox/event-publisher";
import { JsonLinesSinkPublisher } from "../../functions/outbox/json-lines-sink";
import {
  type PublishOutboxEventsPorts,
  publishOutboxEvents,
} from "../../functions/outbox/publish-outbox-events";
import { createDynamoDbClient } from "../../functions/shared/aws/dynamodb-client";
import { sdkClientConfig } from "../../functions/shared/aws/sdk-client-config";
import { parseEnvironment } from "../../functions/shared/environment";
import { createLogger, type Logger } from "../../functions/shared/observability/logger";
import { isOutboxInsert } from "../../functions/shared/outbox";
import { toLambdaRecord } from "./lambda-stream-record";

/**
 * The local stand-in for Lambda's event source mapping on the data table's
 * stream: it polls DynamoDB Local's stream, filters each batch as the
 * stack's event filter does (functions/shared/outbox.ts), hands it to the
 * same use case the Lambda runs (with a JSON-lines file as the bus) and, like
 * Lambda with ReportBatchItemFailures, reads a batch again from its first
 * failed record.
 */

/** Relative to the working directory; `.local/` is git-ignored. */
export const DEFAULT_OUTBOX_SINK_FILE = ".local/outbox-events.jsonl";

/** Lambda polls a stream about four times a second: events show up as fast locally. */
const DEFAULT_POLL_INTERVAL_MS = 250;
/** Lambda's default batch size for DynamoDB streams. */
const BATCH_SIZE = 100;
/** How often new shards are looked for (also at once when a shard closes). */
const SHARD_DISCOVERY_INTERVAL_MS = 10_000;
/** Back-off between deliveries of a failed batch: doubling from 250 ms up to 8 s. */
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 8_000;
/**
 * Deliveries of a failing record before it is given up (logged as an error,
 * the local on-failure destination). Ten back-offs add up to about 40 s, more
 * than the 30 s lease, so a claim left by a killed runner is taken over
 * before its event could be given up.
 */
const DEFAULT_MAX_ATTEMPTS = 10;

const sinkEnvironmentSchema = z.object({
  // An empty value means "unset", as for the other variables of `npm start`.
  OUTBOX_SINK_FILE: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.string().default(DEFAULT_OUTBOX_SINK_FILE),
  ),
});

/** The absolute path of the sink file: `OUTBOX_SINK_FILE` or the default. */
export function outboxSinkFile(
  environment: NodeJS.ProcessEnv = process.env,
  workingDirectory: string = process.cwd(),
): string {
  const { OUTBOX_SINK_FILE } = parseEnvironment(
    sinkEnvironmentSchema,
    environment,
    "Invalid environment for the local outbox publisher",
  );
  return resolve(workingDirectory, OUTBOX_SINK_FILE);
}

export type StartingPosition = "LATEST" | "TRIM_HORIZON";

export interface OutboxStreamRunnerOptions {
  readonly endpoint: string;
  /** The table whose stream carries the outbox items. */
  readonly dataTableName: string;
  /** Where the publisher keeps its one record per event id. */
  readonly idempotencyTableName: string;
  /** The JSON-lines file events are appended to. */
  readonly sinkFile: string;
  /** @default a JsonLinesSinkPublisher on `sinkFile` */
  readonly publisher?: EventPublisher;
  /**
   * Where reading starts in the shards open at start; shards that appear
   * later are read from their beginning.
   * @default "TRIM_HORIZON" (events already published are skipped)
   */
  readonly startingPosition?: StartingPosition;
  /** @default 250 */
  readonly pollIntervalMs?: number;
  /** @default 10 */
  readonly maxAttempts?: number;
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
}

export interface OutboxStreamRunner {
  readonly sinkFile: string;
  /** Finishes the batch in flight, then stops polling. Never rejects. */
  stop(): Promise<void>;
}

/**
 * Starts reading the data table's stream. Resolves once the shard iterators
 * are open, so nothing written afterwards is missed, even from LATEST.
 */
export async function startOutboxStreamRunner(
  options: OutboxStreamRunnerOptions,
): Promise<OutboxStreamRunner> {
  const runner = new StreamRunner(options);
  try {
    await runner.start();
  } catch (error) {
    await runner.stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot read the stream of table ${options.dataTableName}: ${reason}`, {
      cause: error,
    });
  }
  return { sinkFile: options.sinkFile, stop: () => runner.stop() };
}

type Position =
  | { readonly type: StartingPosition }
  | {
      readonly type: "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER";
      readonly sequenceNumber: string;
    };

interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  /** Where the next iterator opens: moves past each delivered batch. */
  position: Position;
  iterator: string | undefined;
  /** Closed and read to its end (or closed before a LATEST start). */
  finished: boolean;
  failedDeliveries: number;
  retryAtMs: number;
}

class StreamRunner {
  private readonly dynamoDb: DynamoDBClient;
  private readonly streams: DynamoDBStreamsClient;
  private readonly ports: PublishOutboxEventsPorts;
  private readonly logger: Logger;
  private readonly startingPosition: StartingPosition;
  private readonly pollIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly shards = new Map<string, ShardState>();
  private streamArn = "";
  private nextDiscoveryAtMs = 0;
  private stopped = false;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: OutboxStreamRunnerOptions) {
    this.logger = options.logger ?? createLogger("outbox-publisher");
    this.startingPosition = options.startingPosition ?? "TRIM_HORIZON";
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.dynamoDb = createDynamoDbClient({ endpoint: options.endpoint });
    this.streams = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      ...sdkClientConfig(),
    });
    this.ports = {
      store: new DynamoDbIdempotencyStore({
        client: this.dynamoDb,
        tableName: options.idempotencyTableName,
      }),
      publisher:
        options.publisher ??
        new JsonLinesSinkPublisher({ file: options.sinkFile, logger: this.logger }),
      // No invocation deadline here: the layer's fixed lease without one
      // (30 s), far above a local publish.
      logger: this.logger,
    };
  }

  async start(): Promise<void> {
    const { Table } = await this.dynamoDb.send(
      new DescribeTableCommand({ TableName: this.options.dataTableName }),
    );
    if (!Table?.LatestStreamArn) throw new Error("the table has no stream");
    this.streamArn = Table.LatestStreamArn;
    await this.discoverShards(true);
    for (const shard of this.shards.values()) {
      if (!shard.finished) shard.iterator = await this.openIterator(shard);
    }
    this.running = this.run();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.wake?.();
      await this.running;
      this.dynamoDb.destroy();
      this.streams.destroy();
    })();
    return this.stopping;
  }

  private async run(): Promise<void> {
    let consecutiveErrors = 0;
    while (!this.stopped) {
      let readRecords = false;
      try {
        if (Date.now() >= this.nextDiscoveryAtMs) await this.discoverShards(false);
        for (const shard of this.shards.values()) {
          if (this.stopped) break;
          if (this.isReady(shard) && (await this.poll(shard))) readRecords = true;
        }
        consecutiveErrors = 0;
      } catch (error) {
        // DynamoDB Local unreachable or busy: keep trying, it may come back.
        consecutiveErrors += 1;
        this.logger.warn("outbox stream not read; retrying", describeError(error));
        await this.sleep(backoffMs(consecutiveErrors));
        continue;
      }
      // After a full batch, read on at once: the shard may hold more.
      if (!readRecords) await this.sleep(this.pollIntervalMs);
    }
  }

  private async discoverShards(initial: boolean): Promise<void> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);

    for (const shard of shards) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      this.shards.set(shard.ShardId, {
        shardId: shard.ShardId,
        parentShardId: shard.ParentShardId,
        // A shard that appears after the start holds only new records.
        position: { type: initial ? this.startingPosition : "TRIM_HORIZON" },
        iterator: undefined,
        // LATEST of a closed shard is its end: nothing will ever come.
        finished: initial && closed && this.startingPosition === "LATEST",
        failedDeliveries: 0,
        retryAtMs: 0,
      });
    }
    this.nextDiscoveryAtMs = Date.now() + SHARD_DISCOVERY_INTERVAL_MS;
  }

  /** A child shard waits for its parent: a key's changes stay in order. */
  private isReady(shard: ShardState): boolean {
    if (shard.finished || Date.now() < shard.retryAtMs) return false;
    const parent = shard.parentShardId ? this.shards.get(shard.parentShardId) : undefined;
    return parent === undefined || parent.finished;
  }

  private async openIterator(shard: ShardState): Promise<string | undefined> {
    const { position } = shard;
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shard.shardId,
        ShardIteratorType: position.type,
        ...("sequenceNumber" in position ? { SequenceNumber: position.sequenceNumber } : {}),
      }),
    );
    return ShardIterator;
  }

  /** Reads one batch of the shard; true when it held records. */
  private async poll(shard: ShardState): Promise<boolean> {
    shard.iterator ??= await this.openIterator(shard);
    if (shard.iterator === undefined) {
      shard.finished = true;
      return false;
    }
    let output: GetRecordsCommandOutput;
    try {
      output = await this.getRecords(shard.iterator);
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      // Reopened at the position, which only moves past delivered batches.
      if (name === "ExpiredIteratorException") {
        shard.iterator = undefined;
        return false;
      }
      if (name === "TrimmedDataAccessException") {
        shard.position = { type: "TRIM_HORIZON" };
        shard.iterator = undefined;
        return false;
      }
      throw error;
    }
    const records = output.Records ?? [];
    if (records.length > 0 && !(await this.deliver(shard, records))) return true;
    shard.iterator = output.NextShardIterator;
    if (shard.iterator === undefined) {
      // A closed shard read to its end: its children may exist by now.
      shard.finished = true;
      this.nextDiscoveryAtMs = 0;
    }
    return records.length > 0;
  }

  private getRecords(iterator: string): Promise<GetRecordsCommandOutput> {
    return this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: BATCH_SIZE }));
  }

  /** Hands a batch to the use case; false when it must be read again. */
  private async deliver(shard: ShardState, records: readonly _Record[]): Promise<boolean> {
    // The stack's event filter, as Lambda applies it: only new outbox items reach the use case.
    const outboxInserts = records
      .map((record) => toLambdaRecord(record, this.streamArn))
      .filter(isOutboxInsert);
    const result = await publishOutboxEvents(outboxInserts, this.ports);
    // The first failure is the lowest sequence number: where Lambda resumes.
    const failed = result.batchItemFailures[0];
    if (failed === undefined) {
      const last = records.at(-1)?.dynamodb?.SequenceNumber;
      if (last) shard.position = { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: last };
      shard.failedDeliveries = 0;
      return true;
    }
    // An empty identifier fails the whole batch, as on Lambda.
    const resumeAt = failed.itemIdentifier || records[0]?.dynamodb?.SequenceNumber;
    shard.iterator = undefined;
    if (resumeAt === undefined) return false;
    shard.failedDeliveries += 1;
    if (shard.failedDeliveries >= this.maxAttempts) {
      this.logger.error("outbox record given up after repeated failures", {
        shardId: shard.shardId,
        sequenceNumber: resumeAt,
        attempts: shard.failedDeliveries,
      });
      shard.position = { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: resumeAt };
      shard.failedDeliveries = 0;
      return false;
    }
    shard.position = { type: "AT_SEQUENCE_NUMBER", sequenceNumber: resumeAt };
    shard.retryAtMs = Date.now() + backoffMs(shard.failedDeliveries);
    return false;
  }

  /** Waits, unless stop() wakes it first. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((wakeUp) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        wakeUp();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function backoffMs(attempt: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
}
