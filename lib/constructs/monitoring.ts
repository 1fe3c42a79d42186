import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  type Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface MonitoringProps {
  readonly api: RestApi;
  readonly functions: readonly IFunction[];
  readonly deadLetterQueue: Queue;
}

/** CloudWatch allows at most 10 metrics in one alarm's expression. */
const METRICS_PER_ALARM = 10;
const period = Duration.minutes(5);

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
) {
  const usingMetrics = Object.fromEntries(functions.map((fn, index) => [`m${index}`, metric(fn)]));
  return new MathExpression({
    expression: Object.keys(usingMetrics).join(" + "),
    usingMetrics,
    label,
    period,
  });
}

/**
 * Alarms for what a payments API must not ignore: server errors, throttling,
 * failing functions and events that could not be published; and a dashboard.
 * Few alarms on purpose: each costs money at rest.
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const requests = props.api.metricCount({ period, statistic: "Sum" });
    const serverErrors = props.api.metricServerError({ period, statistic: "Sum" });
    const serverErrorRate = new MathExpression({
      expression: "IF(requests > 0, 100 * errors / requests, 0)",
      usingMetrics: { requests, errors: serverErrors },
      label: "5xx rate (%)",
      period,
    });
    this.alarms.push(
      new Alarm(this, "ServerErrorRate", {
        alarmDescription: "More than 1% of API requests answered 5xx over 5 minutes.",
        metric: serverErrorRate,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, "DeadLetters", {
        alarmDescription: "Outbox records could not be published after every retry.",
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    chunks(props.functions, METRICS_PER_ALARM).forEach((group, index) => {
      const errors = sumOver(
        group,
        (fn) => fn.metricErrors({ period, statistic: "Sum" }),
        "Errors",
      );
      const throttles = sumOver(
        group,
        (fn) => fn.metricThrottles({ period, statistic: "Sum" }),
        "Throttles",
      );
      this.alarms.push(
        new Alarm(this, `FunctionErrors${index + 1}`, {
          alarmDescription: `Functions of group ${index + 1} failed (uncaught errors or timeouts).`,
          metric: errors,
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        new Alarm(this, `FunctionThrottles${index + 1}`, {
          alarmDescription: `Functions of group ${index + 1} were throttled by Lambda.`,
          metric: throttles,
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    });

    new Dashboard(this, "Dashboard", {
      widgets: [
        [
          new GraphWidget({ title: "Requests and 5xx", left: [requests, serverErrors] }),
          new GraphWidget({ title: "5xx rate (%)", left: [serverErrorRate] }),
          new GraphWidget({
            title: "Latency (p50, p99)",
            left: [
              props.api.metricLatency({ period, statistic: "p50" }),
              props.api.metricLatency({ period, statistic: "p99" }),
            ],
          }),
        ],
        [
          new GraphWidget({
            title: "Function errors",
            left: props.functions.map((fn) => fn.metricErrors({ period, statistic: "Sum" })),
          }),
          new GraphWidget({
            title: "Function throttles",
            left: props.functions.map((fn) => fn.metricThrottles({ period, statistic: "Sum" })),
          }),
          new GraphWidget({
            title: "Outbox dead letters",
            left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period })],
          }),
        ],
      ],
    });
  }
}
