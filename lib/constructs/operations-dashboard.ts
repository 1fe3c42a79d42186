import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
} from "aws-cdk-lib/aws-cloudwatch";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  ANSWER_CLASSES,
  DURATION_METRIC,
  IDEMPOTENCY_OUTCOMES,
  METRICS_NAMESPACE,
  OLDEST_UNSETTLED_METRIC,
  OUTBOX_LAG_METRIC,
  OUTBOX_METRICS,
  OUTBOX_SERVICE,
  PROCESSOR_CIRCUIT_OPENED_METRIC,
  PROCESSOR_UNKNOWN_OUTCOME_METRIC,
  RECONCILER_METRICS,
  RECONCILER_SERVICE,
  SERVICE_DIMENSION,
} from "../api/emf-metrics";
import {
  MONITORING_PERIOD,
  serviceMetric,
  TABLE_OPERATIONS,
  UNSETTLED_ALARM_SECONDS,
} from "./monitoring";

export interface OperationsDashboardProps {
  readonly api: RestApi;
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly tables: ReadonlyMap<string, ITableV2>;
  readonly streamConsumer: IFunction;
  readonly deadLetterQueue: Queue;
  /** More rows (the canary's). */
  readonly extraRows?: readonly IWidget[][];
}

const period = MONITORING_PERIOD;
const WIDTH = 8;

/** Every route's series of one EMF metric (one line per `service`), found by SEARCH. */
function perService(metricName: string, statistic: string, label: string): MathExpression {
  return new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${SERVICE_DIMENSION}} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`,
    usingMetrics: {},
    label,
    period,
  });
}

/** One EMF metric summed over every route. */
function allServices(metricName: string, label: string): MathExpression {
  return new MathExpression({
    expression: `SUM(SEARCH('{${METRICS_NAMESPACE},${SERVICE_DIMENSION}} MetricName="${metricName}"', 'Sum', ${period.toSeconds()}))`,
    usingMetrics: {},
    label,
    period,
  });
}

function outboxMetric(metricName: string, statistic: string, label: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: OUTBOX_SERVICE },
    statistic,
    label,
    period,
  });
}

const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
  new GraphWidget({ title, left, right, width: WIDTH });

/** The processor as the card routes meet it, and what the reconciler settles. */
function cardPaymentsRow(): IWidget[] {
  const reconciler = (metricName: string, statistic: string, label: string) =>
    serviceMetric(RECONCILER_SERVICE, metricName, { statistic, label });
  return [
    graph("Processor: unknown outcomes and circuit openings, by function", [
      perService(PROCESSOR_UNKNOWN_OUTCOME_METRIC, "Sum", ""),
      perService(PROCESSOR_CIRCUIT_OPENED_METRIC, "Sum", ""),
    ]),
    graph(
      "Reconciler: items per run",
      Object.entries(RECONCILER_METRICS).map(([name, label]) => reconciler(name, "Sum", label)),
    ),
    new GraphWidget({
      title: "Oldest unsettled card payment or refund (s)",
      left: [reconciler(OLDEST_UNSETTLED_METRIC, "Maximum", "oldest unsettled, max")],
      leftAnnotations: [{ value: UNSETTLED_ALARM_SECONDS, label: "PaymentsUnsettled" }],
      width: WIDTH,
    }),
  ];
}

/**
 * The first place to look: the API as callers see it, then what the
 * idempotency layer decided (from the functions' EMF metrics), the
 * functions, the tables and the outbox, top to bottom.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const functions = [...props.functions];
    const tables = [...props.tables];
    const api = props.api;
    this.dashboard = new Dashboard(this, "Dashboard", {
      widgets: [
        [
          graph("API requests, 4xx and 5xx", [
            api.metricCount({ period, statistic: "Sum", label: "requests" }),
            api.metricClientError({ period, statistic: "Sum", label: "4xx" }),
            api.metricServerError({ period, statistic: "Sum", label: "5xx" }),
          ]),
          graph("API latency (ms)", [
            api.metricLatency({ period, statistic: "p50", label: "p50" }),
            api.metricLatency({ period, statistic: "p99", label: "p99" }),
            api.metricIntegrationLatency({ period, statistic: "p99", label: "integration p99" }),
          ]),
          graph(
            "Answers by class (all routes)",
            Object.entries(ANSWER_CLASSES).map(([name, label]) => allServices(name, label)),
          ),
        ],
        [
          graph(
            "Idempotency outcomes (all routes)",
            Object.entries(IDEMPOTENCY_OUTCOMES).map(([name, label]) => allServices(name, label)),
          ),
          graph("Replays by route", [perService("IdempotencyReplayed", "Sum", "")]),
          graph("Handler duration p99 by route (ms)", [perService(DURATION_METRIC, "p99", "")]),
        ],
        [
          graph(
            "Function errors",
            functions.map(([name, fn]) =>
              fn.metricErrors({ period, statistic: "Sum", label: name }),
            ),
          ),
          graph(
            "Function throttles",
            functions.map(([name, fn]) =>
              fn.metricThrottles({ period, statistic: "Sum", label: name }),
            ),
          ),
        ],
        [
          graph(
            "DynamoDB throttle events",
            tables.flatMap(([name, table]) =>
              ["ReadThrottleEvents", "WriteThrottleEvents"].map((metricName) =>
                table.metric(metricName, {
                  period,
                  statistic: "Sum",
                  label: `${name} ${metricName}`,
                }),
              ),
            ),
          ),
          // One widget per table: the per-operation expressions share their ids.
          ...tables.map(([name, table]) =>
            graph(`DynamoDB system errors: ${name} table`, [
              table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period }),
            ]),
          ),
        ],
        [
          graph(
            "Outbox events",
            Object.entries(OUTBOX_METRICS).map(([name, label]) => outboxMetric(name, "Sum", label)),
          ),
          graph(
            "Outbox lag (ms)",
            [
              outboxMetric(OUTBOX_LAG_METRIC, "p99", "written → published, p99"),
              outboxMetric(OUTBOX_LAG_METRIC, "Maximum", "written → published, max"),
            ],
            [
              props.streamConsumer.metric("IteratorAge", {
                period,
                statistic: "Maximum",
                label: "stream iterator age, max",
              }),
            ],
          ),
          graph("Outbox dead letters", [
            props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
          ]),
        ],
        cardPaymentsRow(),
        ...(props.extraRows ?? []).map((row) => [...row]),
      ],
    });
  }
}
