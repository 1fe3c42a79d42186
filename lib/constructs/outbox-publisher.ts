import { join } from "node:path";
import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { type Archive, EventBus } from "aws-cdk-lib/aws-events";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { outboxStreamFilterPattern } from "../../functions/shared/outbox";
import { OUTBOX_SERVICE } from "../api/emf-metrics";
import { idempotencyTableDefinition } from "../tables/table-definitions";
import { ApiFunction } from "./api-function";

export interface OutboxPublisherProps {
  readonly dataTable: ITableV2;
  readonly idempotencyTable: ITableV2;
  /**
   * How long the bus's archive keeps every published event, for replays to
   * a consumer that lost some; 0 keeps them forever.
   * @default 30 days
   */
  readonly archiveRetention?: Duration;
}

/**
 * Publishes the outbox items of the data table's stream to an EventBridge
 * bus, once per event id (the publisher keeps its own idempotency records).
 * Only inserts of outbox items reach the function (an event filter, so other
 * changes cost nothing); a failed record is reported alone (partial batch
 * response) and, after the retries, its batch's description lands in a DLQ.
 */
export class OutboxPublisher extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly deadLetterQueue: Queue;
  readonly function: ApiFunction;

  constructor(scope: Construct, id: string, props: OutboxPublisherProps) {
    super(scope, id);
    this.bus = new EventBus(this, "Bus", { description: "Events of the payments API" });
    this.archive = this.bus.archive("Archive", {
      description: "Every event of the payments API, for replays",
      // Everything published to this bus from this account: the publisher's events.
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention ?? Duration.days(30),
    });
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions::AwsSolutions-SQS3",
      reason:
        "This queue is itself the dead-letter destination of the outbox publisher's stream source.",
    });
    this.function = new ApiFunction(this, "Function", {
      entry: join(__dirname, "..", "..", "functions", "outbox", "publish-outbox-events.handler.ts"),
      description: "Publishes outbox events from the data table's stream to EventBridge",
      timeout: Duration.seconds(30),
      environment: {
        [idempotencyTableDefinition.tableNameEnv]: props.idempotencyTable.tableName,
        EVENT_BUS_NAME: this.bus.eventBusName,
        POWERTOOLS_SERVICE_NAME: OUTBOX_SERVICE,
      },
    });
    props.idempotencyTable.grantReadWriteData(this.function);
    this.bus.grantPutEventsTo(this.function);
    this.function.addEventSource(
      new DynamoEventSource(props.dataTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [FilterCriteria.filter(outboxStreamFilterPattern)],
      }),
    );
  }
}
