import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { type ITableV2, Operation } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  METRICS_NAMESPACE,
  OLDEST_UNSETTLED_METRIC,
  PROCESSOR_CIRCUIT_OPENED_METRIC,
  PROCESSOR_UNKNOWN_OUTCOME_METRIC,
  RECONCILER_SERVICE,
  SERVICE_DIMENSION,
} from "../api/emf-metrics";

export interface MonitoringProps {
  readonly api: RestApi;
  /** Every function of the stack, by a name the alarm descriptions use. */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** The tables, by a name the alarm ids use (`Idempotency`, `Data`). */
  readonly tables: ReadonlyMap<string, ITableV2>;
  /** The stream consumer whose lag (IteratorAge) is watched. */
  readonly streamConsumer: IFunction;
  readonly deadLetterQueue: Queue;
  /** Requests the edge's per-caller limit blocked (429), when the stack has one. */
  readonly edgeBlockedRequests?: IMetric;
  /**
   * The reconciler, alarmed on its own (ReconcilerErrors) rather than among
   * `functions`: one failure pages once. Its throttles are not alarmed: with
   * one execution reserved, a run that meets the previous one is throttled
   * on purpose, and the next minute's run does its work.
   */
  readonly reconciler: IFunction;
  /** The `service` of each function that calls the processor for a caller (the card routes). */
  readonly processorCallers: readonly string[];
}

/** CloudWatch allows at most 10 metrics in one alarm's expression. */
const METRICS_PER_ALARM = 10;
export const MONITORING_PERIOD = Duration.minutes(5);
const period = MONITORING_PERIOD;

/** The DynamoDB operations the functions call (one metric each: at most 10 per alarm). */
export const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, index * size + size),
  );
}

/** Sum of one metric over a group of functions, as one expression. */
function sumOver(
  functions: readonly IFunction[],
  metric: (fn: IFunction) => Metric,
  label: string,
): MathExpression {
  const usingMetrics = Object.fromEntries(functions.map((fn, index) => [`m${index}`, metric(fn)]));
  return new MathExpression({
    expression: Object.keys(usingMetrics).join(" + "),
    usingMetrics,
    label,
    period,
  });
}

/** An EMF metric of the functions (namespace PaymentsApi) for one `service`. */
export function serviceMetric(
  service: string,
  metricName: string,
  options: { readonly statistic: string; readonly period?: Duration; readonly label?: string },
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: service },
    statistic: options.statistic,
    period: options.period ?? period,
    ...(options.label ? { label: options.label } : {}),
  });
}

/**
 * One EMF count summed over several services. A service that counted
 * nothing in a period has no datapoint there: FILL makes it 0, so that the
 * sum is the others' count rather than no value.
 */
export function sumOverServices(
  services: readonly string[],
  metricName: string,
  label: string,
): MathExpression {
  const usingMetrics = Object.fromEntries(
    services.map((service, index) => [
      `m${index}`,
      serviceMetric(service, metricName, { statistic: "Sum" }),
    ]),
  );
  return new MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(" + "),
    usingMetrics,
    label,
    period,
  });
}

/** The age past which an unsettled card payment alarms: the processor keeps its keys 24 h. */
export const UNSETTLED_ALARM_SECONDS = 3_600;

/**
 * Alarms for what a payments API must not ignore: server errors and slow
 * answers, failing or throttled functions, throttled or failing tables, an
 * outbox that falls behind or gives up. Each alarm costs $0.10 a month, so
 * functions are alarmed in groups of ten (every function counted, the
 * description names them) rather than one alarm each. The stack wires every
 * alarm to the alarm topic.
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const requests = props.api.metricCount({ period, statistic: "Sum" });
    const serverErrors = props.api.metricServerError({ period, statistic: "Sum" });
    this.alarmAbove("ServerErrorRate", {
      description: "More than 1% of API requests answered 5xx over 5 minutes.",
      metric: new MathExpression({
        expression: "IF(requests > 0, 100 * errors / requests, 0)",
        usingMetrics: { requests, errors: serverErrors },
        label: "5xx rate (%)",
        period,
      }),
      threshold: 1,
    });
    this.alarmAbove("LatencyP99", {
      description:
        "The API's p99 latency stayed above 2 s for 15 minutes (functions time out at 10 s).",
      metric: props.api.metricLatency({ period, statistic: "p99" }),
      threshold: 2_000,
      evaluationPeriods: 3,
    });

    const functions = [...props.functions];
    chunks(functions, METRICS_PER_ALARM).forEach((group, index) => {
      const names = group.map(([name]) => name).join(", ");
      const fns = group.map(([, fn]) => fn);
      this.alarmAbove(`FunctionErrors${index + 1}`, {
        description: `A function failed (uncaught error or timeout): one of ${names}.`,
        metric: sumOver(fns, (fn) => fn.metricErrors({ period, statistic: "Sum" }), "Errors"),
        threshold: 0,
      });
      this.alarmAbove(`FunctionThrottles${index + 1}`, {
        description: `Lambda throttled a function (concurrency exhausted): one of ${names}.`,
        metric: sumOver(fns, (fn) => fn.metricThrottles({ period, statistic: "Sum" }), "Throttles"),
        threshold: 0,
      });
    });

    for (const [name, table] of props.tables) {
      this.alarmAbove(`${name}TableThrottles`, {
        description: `DynamoDB throttled requests to the ${name.toLowerCase()} table (retried by the SDK; a 503 once they run out).`,
        metric: table.metricThrottledRequestsForOperations({
          operations: TABLE_OPERATIONS,
          period,
        }),
        threshold: 0,
      });
      this.alarmAbove(`${name}TableSystemErrors`, {
        description: `DynamoDB answered requests to the ${name.toLowerCase()} table with a 500.`,
        metric: table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period }),
        threshold: 0,
      });
    }

    this.alarmAbove("OutboxIteratorAge", {
      description:
        "The outbox publisher is more than a minute behind the data table's stream for 5 minutes: events are late.",
      metric: props.streamConsumer.metric("IteratorAge", {
        period: Duration.minutes(1),
        statistic: "Maximum",
      }),
      threshold: 60_000,
      evaluationPeriods: 5,
    });
    this.alarmAbove("DeadLetters", {
      description: "Outbox records could not be published after every retry.",
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
      threshold: 0,
    });
    if (props.edgeBlockedRequests) {
      // A blip is a client bursting and backing off; 15 minutes is one that does not.
      this.alarmAbove("CallerRateLimited", {
        description:
          "The edge answered 429 to a caller over its per-token (or per-IP) budget for 15 minutes in a row: a runaway client.",
        metric: props.edgeBlockedRequests,
        threshold: 0,
        evaluationPeriods: 3,
      });
    }
    this.cardPaymentAlarms(props);
  }

  /** The processor's trouble as callers meet it, and card payments the reconciler cannot settle. */
  private cardPaymentAlarms(props: MonitoringProps): void {
    this.alarmAbove("ReconcilerErrors", {
      description:
        "The reconciler failed (uncaught error or timeout): card payments and refunds left unsettled wait for the next run.",
      metric: props.reconciler.metricErrors({ period, statistic: "Sum" }),
      threshold: 0,
    });
    this.alarmAbove("PaymentsUnsettled", {
      description: `A card payment or refund has been unsettled for more than an hour (the processor keeps its idempotency keys 24 h), or the reconciler stopped reporting for 15 minutes.`,
      metric: serviceMetric(RECONCILER_SERVICE, OLDEST_UNSETTLED_METRIC, {
        statistic: "Maximum",
        // The reconciler reports every minute: a whole period without a report is a reconciler that stopped.
        period: Duration.minutes(15),
      }),
      threshold: UNSETTLED_ALARM_SECONDS,
      // Missing data is the reconciler not running (schedule, permissions, a crash
      // at start-up): then nothing settles, and nothing else would say so.
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.alarmAbove("ProcessorErrorRate", {
      description:
        "More than 5 card payments or refunds ended with an unknown outcome at the processor (503 payment-processor-unavailable) in 5 minutes.",
      metric: sumOverServices(
        props.processorCallers,
        PROCESSOR_UNKNOWN_OUTCOME_METRIC,
        "Unknown outcomes",
      ),
      // One is a dropped connection that the retry or the reconciler settles; more is the processor.
      threshold: 5,
    });
    this.alarmAbove("ProcessorCircuitOpen", {
      description:
        "The processor's circuit opened in a card route (5 unknown outcomes in a row): card payments fail fast with 503 until a probe succeeds.",
      metric: sumOverServices(
        props.processorCallers,
        PROCESSOR_CIRCUIT_OPENED_METRIC,
        "Circuit openings",
      ),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /** An alarm when `metric` exceeds (or reaches, as `comparisonOperator` says) `threshold` for `evaluationPeriods` periods in a row. */
  private alarmAbove(
    id: string,
    options: {
      readonly description: string;
      readonly metric: IMetric;
      readonly threshold: number;
      readonly evaluationPeriods?: number;
      /** @default above the threshold */
      readonly comparisonOperator?: ComparisonOperator;
      /** @default not breaching: no traffic is no trouble */
      readonly treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}
