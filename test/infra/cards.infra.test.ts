import { Match } from "aws-cdk-lib/assertions";
import { routes } from "../../functions/routes";
import { synthStack } from "./synth";

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Effect: string; Resource: unknown };

const { stack, template } = synthStack();
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

const secretId = logicalIdOf(stack.processorSecret.secret);
const dataTableId = logicalIdOf(stack.tables.data);
const idempotencyTableId = logicalIdOf(stack.tables.idempotency);
const reconcilerId = logicalIdOf(stack.reconciler.function);
const topicId = logicalIdOf(stack.alarmTopic.topic);

const routeFunctionId = (id: string) => {
  const fn = stack.api.functions.get(id);
  if (!fn) throw new Error(`no function for ${id}`);
  return logicalIdOf(fn);
};

function propertiesOf(id: string): Record<string, unknown> {
  const resource = resources[id];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource.Properties;
}

const roleOf = (functionId: string) =>
  (propertiesOf(functionId).Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];

/** Every statement of the policies attached to a function's role. */
function statementsOf(functionId: string): Statement[] {
  const role = roleOf(functionId);
  return ofType("AWS::IAM::Policy")
    .filter(([, policy]) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === role),
    )
    .flatMap(
      ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
}

/** What a function may touch, as `resource: actions` (its own log group and X-Ray by name). */
function grantsOf(functionId: string): Record<string, string[]> {
  const logGroupId = (propertiesOf(functionId).LoggingConfig as { LogGroup: { Ref: string } })
    .LogGroup.Ref;
  const named = (resource: unknown): string => {
    const text = JSON.stringify(resource);
    if (text === JSON.stringify({ Ref: secretId })) return "processor secret";
    if (text === JSON.stringify({ "Fn::GetAtt": [dataTableId, "Arn"] })) return "data table";
    if (text === JSON.stringify({ "Fn::GetAtt": [idempotencyTableId, "Arn"] }))
      return "idempotency table";
    if (text.includes(dataTableId) && text.includes("/index/*")) return "data table indexes";
    if (text.includes(logGroupId) && text.includes(":*")) return "own log group";
    if (text === '"*"') return "*";
    return text;
  };
  const grants: Record<string, string[]> = {};
  for (const statement of statementsOf(functionId)) {
    expect(statement.Effect).toBe("Allow");
    for (const resource of [statement.Resource].flat()) {
      const name = named(resource);
      grants[name] = [...new Set([...(grants[name] ?? []), ...[statement.Action].flat()])].sort();
    }
  }
  return grants;
}

/** CDK's read-write grant of a table (its stream's reads included). */
const READ_WRITE = [
  "dynamodb:BatchGetItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DeleteItem",
  "dynamodb:DescribeTable",
  "dynamodb:GetItem",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:UpdateItem",
];
const SECRET_READ = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"];

/** Exactly what a function of the card payments may do: its logs, X-Ray, both tables, the secret. */
const CARD_FUNCTION_GRANTS = {
  "own log group": ["logs:CreateLogStream", "logs:PutLogEvents"],
  "*": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
  "idempotency table": READ_WRITE,
  "data table": READ_WRITE,
  // The reconciler queries the unsettled index; CDK grants every index with the table.
  "data table indexes": READ_WRITE,
  "processor secret": SECRET_READ,
};

/** The roles whose policies reach the processor's secret. */
function secretReaderRoles(): string[] {
  return ofType("AWS::IAM::Policy")
    .filter(([, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some((statement) =>
        JSON.stringify(statement.Resource).includes(`"${secretId}"`),
      ),
    )
    .flatMap(([, policy]) => (policy.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref))
    .sort();
}

const CARD_FUNCTIONS = ["payOrder", "refundOrder", "processorWebhook"] as const;

describe("the processor's secret", () => {
  it("is one secret with a generated placeholder and the operator's instructions", () => {
    const secrets = ofType("AWS::SecretsManager::Secret").filter(([id]) => id === secretId);
    expect(secrets).toHaveLength(1);
    template.hasResource("AWS::SecretsManager::Secret", {
      Properties: {
        Description:
          'The payment processor (Stripe): replace the generated placeholder with {"apiKey":"sk_test_…","webhookSecret":"whsec_…"} (the API key, and the signing secret of the endpoint /webhooks/processor).',
        GenerateSecretString: { ExcludePunctuation: true, PasswordLength: 32 },
      },
    });
    // A deployment writes no value of its own: no SecretString in the template.
    expect(resources[secretId]?.Properties.SecretString).toBeUndefined();
  });

  it("is an output of the stack, for the operator's put-secret-value", () => {
    template.hasOutput("PaymentProcessorSecretArn", { Value: { Ref: secretId } });
  });

  it("is named to exactly payOrder, refundOrder, processorWebhook and the reconciler", () => {
    const named = ofType("AWS::Lambda::Function")
      .filter(([, fn]) =>
        JSON.stringify(fn.Properties.Environment ?? {}).includes("PAYMENT_PROCESSOR_SECRET_ARN"),
      )
      .map(([id]) => id)
      .sort();

    expect(named).toEqual(
      [
        routeFunctionId("payOrder"),
        routeFunctionId("refundOrder"),
        routeFunctionId("processorWebhook"),
        reconcilerId,
      ].sort(),
    );
    for (const id of named) {
      const variables = (propertiesOf(id).Environment as { Variables: object }).Variables;
      expect(variables).toMatchObject({ PAYMENT_PROCESSOR_SECRET_ARN: { Ref: secretId } });
    }
    expect(routes.filter((route) => "processorSecret" in route).map((route) => route.id)).toEqual([
      "payOrder",
      "refundOrder",
      "processorWebhook",
    ]);
  });

  it("is readable by those four functions only, and only read", () => {
    const cardFunctionIds = [...CARD_FUNCTIONS.map(routeFunctionId), reconcilerId];

    expect(secretReaderRoles()).toEqual(cardFunctionIds.map(roleOf).sort());
    for (const id of cardFunctionIds) {
      expect(grantsOf(id)["processor secret"]).toEqual(SECRET_READ);
    }
    // No grant of Secrets Manager on every secret, to anyone.
    for (const [, policy] of ofType("AWS::IAM::Policy")) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] })
        .Statement) {
        if ([statement.Action].flat().some((action) => action.startsWith("secretsmanager:"))) {
          expect(statement.Resource).not.toBe("*");
        }
      }
    }
  });
});

describe("the processor's webhook", () => {
  it("is public: POST /webhooks/processor has no authorizer", () => {
    const resourceId = Object.entries(resources).find(
      ([, resource]) =>
        resource.Type === "AWS::ApiGateway::Resource" &&
        resource.Properties.PathPart === "processor",
    )?.[0];
    const methods = ofType("AWS::ApiGateway::Method").filter(
      ([, method]) =>
        JSON.stringify(method.Properties.ResourceId) === JSON.stringify({ Ref: resourceId }) &&
        method.Properties.HttpMethod === "POST",
    );

    expect(methods).toHaveLength(1);
    const [[, method] = []] = methods;
    expect(method?.Properties.AuthorizationType).toBe("NONE");
    expect(method?.Properties.AuthorizerId).toBeUndefined();
    expect(method?.Properties.AuthorizationScopes).toBeUndefined();
  });

  it("has the secret and the two tables, and nothing else", () => {
    expect(grantsOf(routeFunctionId("processorWebhook"))).toEqual(CARD_FUNCTION_GRANTS);
  });

  it.each(["payOrder", "refundOrder"])("%s has the same, and nothing else", (id) => {
    expect(grantsOf(routeFunctionId(id))).toEqual(CARD_FUNCTION_GRANTS);
  });
});

describe("the reconciler", () => {
  it("is a function like the others: arm64, Node.js 24, traced, 60 s, one execution at a time", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "Settles card payments and refunds left unsettled (every minute)",
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      MemorySize: 512,
      Timeout: 60,
      ReservedConcurrentExecutions: 1,
      TracingConfig: { Mode: "Active" },
      LoggingConfig: { LogFormat: "JSON", LogGroup: Match.anyValue() },
      Environment: {
        Variables: {
          IDEMPOTENCY_TABLE_NAME: { Ref: idempotencyTableId },
          DATA_TABLE_NAME: { Ref: dataTableId },
          IDEMPOTENCY_RETENTION_SECONDS: "86400",
          RECONCILE_AFTER_SECONDS: "60",
          POWERTOOLS_SERVICE_NAME: "reconciler",
          NODE_OPTIONS: "--enable-source-maps",
          PAYMENT_PROCESSOR_SECRET_ARN: { Ref: secretId },
        },
      },
    });
  });

  it("takes RECONCILE_AFTER_SECONDS from the reconcileAfterSeconds setting", () => {
    synthStack({ reconcileAfterSeconds: 300 }).template.hasResourceProperties(
      "AWS::Lambda::Function",
      {
        Description: "Settles card payments and refunds left unsettled (every minute)",
        Environment: { Variables: Match.objectLike({ RECONCILE_AFTER_SECONDS: "300" }) },
      },
    );
  });

  it("has both tables read-write (the unsettled index included), the secret, and nothing else", () => {
    expect(grantsOf(reconcilerId)).toEqual(CARD_FUNCTION_GRANTS);
  });

  it("is not retried by Lambda: the next minute's run is the retry", () => {
    template.resourceCountIs("AWS::Lambda::EventInvokeConfig", 1);
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: reconcilerId },
      Qualifier: "$LATEST",
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it("runs every minute on an EventBridge Scheduler schedule: no flexible window, retried, no dead-letter queue", () => {
    const scheduleRoleId = logicalIdOf(
      stack.reconciler.node.findChild("ScheduleRole") as { node: { defaultChild?: unknown } },
    );
    template.resourceCountIs("AWS::Scheduler::Schedule", 1);
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 minute)",
      State: "ENABLED",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        Arn: { "Fn::GetAtt": [reconcilerId, "Arn"] },
        RoleArn: { "Fn::GetAtt": [scheduleRoleId, "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: Match.absent(),
      },
    });
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: "sts:AssumeRole",
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
          },
        ],
      },
    });
    const scheduleGrants = ofType("AWS::IAM::Policy")
      .filter(([, policy]) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some(
          (role) => role.Ref === scheduleRoleId,
        ),
      )
      .map(
        ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
    expect(scheduleGrants).toEqual([
      [
        {
          Action: "lambda:InvokeFunction",
          Effect: "Allow",
          Resource: [
            { "Fn::GetAtt": [reconcilerId, "Arn"] },
            { "Fn::Join": ["", [{ "Fn::GetAtt": [reconcilerId, "Arn"] }, ":*"]] },
          ],
        },
      ],
    ]);
  });
});

describe("the card payments' alarms", () => {
  const notifying = { AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] };
  const alarmNamed = (name: string) => {
    const found = ofType("AWS::CloudWatch::Alarm").filter(([id]) =>
      id.startsWith(`Monitoring${name}`),
    );
    expect(found).toHaveLength(1);
    return found[0]?.[1].Properties;
  };
  /** The alarm's expression and its metrics, for `metricName` of each service in turn. */
  const sumOfServices = (metricName: string, label: string) => [
    { Id: "expr_1", Expression: "FILL(m0, 0) + FILL(m1, 0)", Label: label, ReturnData: true },
    ...["payOrder", "refundOrder"].map((service, index) => ({
      Id: `m${index}`,
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: "PaymentsApi",
          MetricName: metricName,
          Dimensions: [{ Name: "service", Value: service }],
        },
        Period: 300,
        Stat: "Sum",
      },
    })),
  ];

  it("ReconcilerErrors: the reconciler failed once in 5 minutes", () => {
    expect(alarmNamed("ReconcilerErrors")).toEqual({
      ...notifying,
      AlarmDescription: expect.stringContaining("The reconciler failed"),
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: reconcilerId } }],
      Statistic: "Sum",
      Period: 300,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
  });

  it("PaymentsUnsettled: the oldest unsettled above an hour, or no report for 15 minutes", () => {
    expect(alarmNamed("PaymentsUnsettled")).toEqual({
      ...notifying,
      AlarmDescription: expect.stringContaining("unsettled for more than an hour"),
      Namespace: "PaymentsApi",
      MetricName: "OldestUnsettledAge",
      Dimensions: [{ Name: "service", Value: "reconciler" }],
      Statistic: "Maximum",
      Period: 900,
      Threshold: 3600,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "breaching",
    });
  });

  it("ProcessorErrorRate: more than 5 unknown outcomes of payOrder and refundOrder in 5 minutes", () => {
    expect(alarmNamed("ProcessorErrorRate")).toEqual({
      ...notifying,
      AlarmDescription: expect.stringContaining("unknown outcome"),
      Metrics: sumOfServices("ProcessorUnknownOutcome", "Unknown outcomes"),
      Threshold: 5,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
  });

  it("ProcessorCircuitOpen: the circuit opened at least once in payOrder or refundOrder", () => {
    expect(alarmNamed("ProcessorCircuitOpen")).toEqual({
      ...notifying,
      AlarmDescription: expect.stringContaining("circuit opened"),
      Metrics: sumOfServices("ProcessorCircuitOpened", "Circuit openings"),
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
  });

  it("the dashboard shows the processor's and the reconciler's metrics", () => {
    const [[, dashboard] = []] = ofType("AWS::CloudWatch::Dashboard");
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metricName of [
      "ProcessorUnknownOutcome",
      "ProcessorCircuitOpened",
      "ReconcilerSettled",
      "ReconcilerStillUnknown",
      "ReconcilerFailed",
      "ReconcilerMovementsFolded",
      "OldestUnsettledAge",
    ]) {
      expect([metricName, body.includes(metricName)]).toEqual([metricName, true]);
    }
  });
});

describe("the edge's per-IP budget for requests without a token", () => {
  const [[, webAcl] = []] = ofType("AWS::WAFv2::WebACL");
  const rules = webAcl?.Properties.Rules as Array<{ Name: string; Statement: unknown }>;
  const none = [{ Priority: 0, Type: "NONE" }];

  it("does not count the webhook's path (signed, from the processor's few addresses)", () => {
    expect(rules.find((rule) => rule.Name === "PerIpWithoutToken")?.Statement).toEqual({
      RateBasedStatement: {
        Limit: 600,
        EvaluationWindowSec: 60,
        AggregateKeyType: "IP",
        ScopeDownStatement: {
          AndStatement: {
            Statements: [
              {
                NotStatement: {
                  Statement: {
                    SizeConstraintStatement: {
                      FieldToMatch: { SingleHeader: { Name: "authorization" } },
                      ComparisonOperator: "GT",
                      Size: 0,
                      TextTransformations: none,
                    },
                  },
                },
              },
              {
                NotStatement: {
                  Statement: {
                    ByteMatchStatement: {
                      FieldToMatch: { UriPath: {} },
                      PositionalConstraint: "EXACTLY",
                      SearchString: "/v1/webhooks/processor",
                      TextTransformations: none,
                    },
                  },
                },
              },
            ],
          },
        },
      },
    });
  });

  it("still counts it in the per-IP budget of everything, so one address cannot flood it", () => {
    expect(rules.find((rule) => rule.Name === "PerIp")?.Statement).toEqual({
      RateBasedStatement: { Limit: 1200, EvaluationWindowSec: 60, AggregateKeyType: "IP" },
    });
  });
});
