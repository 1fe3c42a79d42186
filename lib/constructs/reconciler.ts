import { join } from "node:path";
import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { Schedule, ScheduleExpression, TimeWindow } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { Construct } from "constructs";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import { RECONCILER_SERVICE } from "../api/emf-metrics";
import { dataTableDefinition, idempotencyTableDefinition } from "../tables/table-definitions";
import { ApiFunction } from "./api-function";
import type { ProcessorSecret } from "./processor-secret";
import { acknowledgeIndexGrant } from "./tables";

export interface ReconcilerProps {
  readonly dataTable: ITableV2;
  readonly idempotencyTable: ITableV2;
  readonly processorSecret: ProcessorSecret;
  /**
   * How long an unsettled card payment or refund is left to its own
   * request's retries before the reconciler resumes it, in seconds.
   * @default 60
   */
  readonly reconcileAfterSeconds?: number;
  /**
   * Retention of the idempotency records it completes; the API's own.
   * @default the layer's DEFAULT_RETENTION_SECONDS (24 h)
   */
  readonly idempotencyRetentionSeconds?: number;
}

/** How often the reconciler runs. */
export const RECONCILER_RATE = Duration.minutes(1);

/**
 * The reconciler (functions/reconciler): every minute, EventBridge Scheduler
 * invokes a function that settles the card payments and refunds left
 * processing past their lease, through the data table's `unsettled` index.
 * One run at a time (reserved concurrency 1): two runs would race for the
 * same leases, and one is enough.
 */
export class Reconciler extends Construct {
  readonly function: ApiFunction;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    this.function = new ApiFunction(this, "Function", {
      entry: join(__dirname, "..", "..", "functions", "reconciler", "reconciler.handler.ts"),
      description: "Settles card payments and refunds left unsettled (every minute)",
      // Not behind API Gateway: a run may take its minute; it stops resuming
      // items when its remaining time runs low.
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: 1,
      environment: {
        [idempotencyTableDefinition.tableNameEnv]: props.idempotencyTable.tableName,
        [dataTableDefinition.tableNameEnv]: props.dataTable.tableName,
        IDEMPOTENCY_RETENTION_SECONDS: String(
          props.idempotencyRetentionSeconds ?? DEFAULT_RETENTION_SECONDS,
        ),
        RECONCILE_AFTER_SECONDS: String(props.reconcileAfterSeconds ?? 60),
        POWERTOOLS_SERVICE_NAME: RECONCILER_SERVICE,
      },
    });
    props.idempotencyTable.grantReadWriteData(this.function);
    // Read and write on the data table, its `unsettled` index included (queried oldest first).
    props.dataTable.grantReadWriteData(this.function);
    acknowledgeIndexGrant(this.function.role ?? this.function, props.dataTable);
    props.processorSecret.grantTo(this.function);
    // Scheduler invokes asynchronously. A failed or throttled run is not
    // retried by Lambda: the next minute's run does the same work.
    this.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: RECONCILER_RATE });

    // The schedule's own role (Scheduler's shared one would serve every schedule of the stack).
    const invoker = new Role(this, "ScheduleRole", {
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
      description: "Lets EventBridge Scheduler invoke the reconciler",
    });
    const functionId = Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction);
    Validations.of(invoker).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        "Lambda's invoke grant covers the function's versions and aliases (<arn>:*) as well; it is the reconciler alone, invoked by this schedule only.",
    });
    this.schedule = new Schedule(this, "Schedule", {
      description: "Runs the reconciler every minute",
      schedule: ScheduleExpression.rate(RECONCILER_RATE),
      timeWindow: TimeWindow.off(),
      // Retries cover Scheduler failing to hand the event to Lambda. No
      // dead-letter queue: the event carries nothing (the work is read from
      // the table), the next run a minute later repeats it, and a reconciler
      // that stops running raises PaymentsUnsettled (its metric goes missing).
      target: new LambdaInvoke(this.function, {
        role: invoker,
        retryAttempts: 2,
        maxEventAge: RECONCILER_RATE,
      }),
    });
  }
}
