import { Match } from "aws-cdk-lib/assertions";
import { routes } from "../../functions/routes";
import {
  ANSWER_CLASSES,
  IDEMPOTENCY_OUTCOMES,
  OUTBOX_LAG_METRIC,
  OUTBOX_METRICS,
} from "../../lib/api/emf-metrics";
import { synthStack } from "./synth";

type Resource = { Type: string; Properties: Record<string, unknown> };

const { stack, template } = synthStack();
const resources = template.toJSON().Resources as Record<string, Resource>;
const alarms = Object.entries(resources).filter(
  ([, resource]) => resource.Type === "AWS::CloudWatch::Alarm",
);
const topicId = stack.getLogicalId(stack.alarmTopic.topic.node.defaultChild as never);

describe("alarms", () => {
  it.each([
    "ServerErrorRate",
    "LatencyP99",
    "FunctionErrors1",
    "FunctionErrors2",
    "FunctionThrottles1",
    "FunctionThrottles2",
    "IdempotencyTableThrottles",
    "IdempotencyTableSystemErrors",
    "DataTableThrottles",
    "DataTableSystemErrors",
    "OutboxIteratorAge",
    "DeadLetters",
    "SyntheticCheckFailing",
    "CallerRateLimited",
    "ReconcilerErrors",
    "PaymentsUnsettled",
    "ProcessorErrorRate",
    "ProcessorCircuitOpen",
  ])("include %s", (name) => {
    expect(alarms.some(([id]) => id.includes(name))).toBe(true);
  });

  it("every one notifies the alarm topic, going into alarm and back to OK", () => {
    expect(alarms).toHaveLength(20);
    for (const [id, alarm] of alarms) {
      expect([id, alarm.Properties.AlarmActions]).toEqual([id, [{ Ref: topicId }]]);
      expect([id, alarm.Properties.OKActions]).toEqual([id, [{ Ref: topicId }]]);
    }
  });

  it("count the errors and throttles of every function, the outbox publisher's included", () => {
    // The synthetic check's user provisioner runs only at deployment, which fails if it does;
    // the reconciler has ReconcilerErrors of its own, and is throttled on purpose (one run at a time).
    const provisioner = stack.getLogicalId(
      stack.syntheticCheck?.node.findChild("UserFunction").node.defaultChild as never,
    );
    const reconciler = stack.getLogicalId(stack.reconciler.function.node.defaultChild as never);
    const functionIds = Object.entries(resources)
      .filter(
        ([id, resource]) =>
          resource.Type === "AWS::Lambda::Function" && id !== provisioner && id !== reconciler,
      )
      .map(([id]) => id);
    for (const kind of ["Errors", "Throttles"]) {
      const watched = JSON.stringify(
        alarms.filter(([id]) => id.includes(`Function${kind}`)).map(([, alarm]) => alarm),
      );
      for (const id of functionIds)
        expect([kind, id, watched.includes(`"${id}"`)]).toEqual([kind, id, true]);
    }
    expect(functionIds).toHaveLength(routes.length + 1);
    const grouped = JSON.stringify(
      alarms.filter(([id]) => /Function(Errors|Throttles)/.test(id)).map(([, alarm]) => alarm),
    );
    expect(grouped).not.toContain(`"${reconciler}"`);
  });

  it("watch the outbox publisher's stream lag", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "IteratorAge",
      Statistic: "Maximum",
      Threshold: 60_000,
      Dimensions: [
        {
          Name: "FunctionName",
          Value: { Ref: stack.getLogicalId(stack.outbox.function.node.defaultChild as never) },
        },
      ],
    });
  });

  it("watch the API's p99 latency", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Latency",
      Namespace: "AWS/ApiGateway",
      ExtendedStatistic: "p99",
    });
  });
});

describe("the alarm topic", () => {
  it("has no subscription unless an e-mail address is configured", () => {
    template.resourceCountIs("AWS::SNS::Topic", 1);
    template.resourceCountIs("AWS::SNS::Subscription", 0);
  });

  it("mails the configured address", () => {
    const mailed = synthStack({ alarmEmail: "oncall@example.com" }).template;

    mailed.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
      TopicArn: Match.anyValue(),
    });
  });
});

describe("the dashboard", () => {
  const [[, dashboard] = []] = Object.entries(resources).filter(
    ([, resource]) => resource.Type === "AWS::CloudWatch::Dashboard",
  );
  const body = JSON.stringify(dashboard?.Properties.DashboardBody);

  it.each([
    ...Object.keys(IDEMPOTENCY_OUTCOMES),
    ...Object.keys(ANSWER_CLASSES),
    "Duration",
    ...Object.keys(OUTBOX_METRICS),
    OUTBOX_LAG_METRIC,
  ])("shows the functions' EMF metric %s", (metricName) => {
    expect(body).toContain(metricName);
  });

  it("reads them from the PaymentsApi namespace by service", () => {
    expect(body).toContain("{PaymentsApi,service}");
    expect(body).toContain("outbox-publisher");
  });
});
