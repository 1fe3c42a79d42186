import { Match } from "aws-cdk-lib/assertions";
import { routes } from "../../functions/routes";
import { renderProblem } from "../../functions/shared/http/problem-details";
import { gatewayProblems } from "../../functions/shared/http/problem-types";
import { synthStack } from "./synth";

type Resource = { Type: string; Properties: Record<string, unknown> };

const { stack, template } = synthStack();
/** Every setting of this file chosen, and every one turned off. */
const configured = synthStack({
  callerRateLimit: 100,
  callerRateLimitWindowSeconds: 300,
  reservedConcurrency: 5,
  tableMaxReadRequestUnits: 40,
  tableMaxWriteRequestUnits: 30,
}).template;
const off = synthStack({
  callerRateLimit: 0,
  reservedConcurrency: 0,
  tableMaxReadRequestUnits: 0,
  tableMaxWriteRequestUnits: 0,
}).template;
/** Each function's ReservedConcurrentExecutions, by logical id. */
const reservationsOf = (synthesized: typeof template) =>
  Object.entries(synthesized.findResources("AWS::Lambda::Function")).map(
    ([id, fn]) => [id, (fn as Resource).Properties.ReservedConcurrentExecutions] as const,
  );
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const logicalIdOf = (construct: { node: { defaultChild?: unknown } } | undefined) =>
  stack.getLogicalId(construct?.node.defaultChild as never);

const noTransformation = [{ Priority: 0, Type: "NONE" }];

/** The 429 WAF sends for a window of `seconds`, headers and all. */
function rateLimitedResponse(seconds: number) {
  return {
    CustomResponseBodyKey: "rate-limited",
    ResponseCode: 429,
    ResponseHeaders: [
      { Name: "Retry-After", Value: String(seconds) },
      { Name: "Access-Control-Allow-Origin", Value: "*" },
      {
        Name: "Access-Control-Expose-Headers",
        Value: "location, etag, idempotent-replayed, retry-after",
      },
      { Name: "X-Content-Type-Options", Value: "nosniff" },
      { Name: "Cache-Control", Value: "no-store" },
    ],
  };
}

/** The web ACL's three rules, as CloudFormation gets them. */
function expectedRules(limit: number, seconds: number) {
  return [
    {
      Name: "PerToken",
      Priority: 0,
      Statement: {
        RateBasedStatement: {
          Limit: limit,
          EvaluationWindowSec: seconds,
          AggregateKeyType: "CUSTOM_KEYS",
          CustomKeys: [
            { Header: { Name: "authorization", TextTransformations: noTransformation } },
          ],
        },
      },
      Action: { Block: { CustomResponse: rateLimitedResponse(seconds) } },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: "PerToken",
      },
    },
    {
      Name: "PerIpWithoutToken",
      Priority: 1,
      Statement: {
        RateBasedStatement: {
          Limit: limit,
          EvaluationWindowSec: seconds,
          AggregateKeyType: "IP",
          // Requests without a token, but the processor's webhook (signed instead).
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
                        TextTransformations: noTransformation,
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
                        TextTransformations: noTransformation,
                      },
                    },
                  },
                },
              ],
            },
          },
        },
      },
      Action: { Block: { CustomResponse: rateLimitedResponse(seconds) } },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: "PerIpWithoutToken",
      },
    },
    {
      Name: "PerIp",
      Priority: 2,
      Statement: {
        RateBasedStatement: {
          Limit: 2 * limit,
          EvaluationWindowSec: seconds,
          AggregateKeyType: "IP",
        },
      },
      Action: { Block: { CustomResponse: rateLimitedResponse(seconds) } },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: "PerIp",
      },
    },
  ];
}

describe("the per-caller limit at the edge (WAF)", () => {
  it("is a regional web ACL that allows by default and blocks a token, or an IP without one, over 600 requests a minute", () => {
    template.resourceCountIs("AWS::WAFv2::WebACL", 1);
    template.hasResourceProperties("AWS::WAFv2::WebACL", {
      Name: "Test-callers",
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      Rules: expectedRules(600, 60),
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: "Test-callers",
      },
    });
  });

  it("answers 429 rate-limited as problem JSON rendered by the handlers' renderer, typed application/json", () => {
    const [[, webAcl] = []] = ofType("AWS::WAFv2::WebACL");
    const bodies = webAcl?.Properties.CustomResponseBodies as Record<
      string,
      { ContentType: string; Content: string }
    >;

    expect(Object.keys(bodies)).toEqual(["rate-limited"]);
    expect(bodies["rate-limited"]?.ContentType).toBe("APPLICATION_JSON");
    expect(bodies["rate-limited"]?.Content).toBe(
      renderProblem(gatewayProblems.rateLimited(60)).body,
    );
    expect(JSON.parse(bodies["rate-limited"]?.Content ?? "{}")).toMatchObject({
      type: "https://payments.example.com/problems/rate-limited",
      status: 429,
    });
  });

  it("is associated with the API's stage", () => {
    const webAcl = stack.callerRateLimit?.webAcl;
    const webAclId = webAcl && stack.getLogicalId(webAcl);

    template.resourceCountIs("AWS::WAFv2::WebACLAssociation", 1);
    template.hasResourceProperties("AWS::WAFv2::WebACLAssociation", {
      WebACLArn: { "Fn::GetAtt": [webAclId, "Arn"] },
      ResourceArn: {
        "Fn::Join": [
          "",
          Match.arrayWith([
            { Ref: logicalIdOf(stack.api.restApi) },
            "/stages/",
            { Ref: logicalIdOf(stack.api.stage) },
          ]),
        ],
      },
    });
  });

  it("alarms when it blocks callers for 15 minutes in a row", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/WAFV2",
      MetricName: "BlockedRequests",
      Dimensions: [
        { Name: "Region", Value: "eu-west-1" },
        { Name: "Rule", Value: "ALL" },
        { Name: "WebACL", Value: "Test-callers" },
      ],
      Statistic: "Sum",
      Period: 300,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 3,
      TreatMissingData: "notBreaching",
    });
  });

  it("counts the configured requests over the configured window, and says that window in Retry-After", () => {
    configured.hasResourceProperties("AWS::WAFv2::WebACL", { Rules: expectedRules(100, 300) });
  });

  it("is left out, with its alarm, when callerRateLimit is 0", () => {
    off.resourceCountIs("AWS::WAFv2::WebACL", 0);
    off.resourceCountIs("AWS::WAFv2::WebACLAssociation", 0);
    expect(
      off.findResources("AWS::CloudWatch::Alarm", { Properties: { Namespace: "AWS/WAFV2" } }),
    ).toEqual({});
  });

  it("refuses a limit below WAF's minimum", () => {
    expect(() => synthStack({ callerRateLimit: 9 })).toThrow("at least 10");
  });
});

describe("backpressure", () => {
  const routeFunctionIds = new Set([...stack.api.functions.values()].map(logicalIdOf));
  // One run at a time, whatever the setting: it is how the reconciler stays single.
  const reconcilerId = logicalIdOf(stack.reconciler.function);

  it("reserves 20 concurrent executions for each route's function, 1 for the reconciler, and none for the others", () => {
    for (const [id, reserved] of reservationsOf(template)) {
      const expected = routeFunctionIds.has(id) ? 20 : id === reconcilerId ? 1 : undefined;
      expect([id, reserved]).toEqual([id, expected]);
    }
    expect(routeFunctionIds.size).toBe(routes.length);
  });

  it("reserves the configured concurrency, or none with 0 (the reconciler keeps its 1)", () => {
    const reserved = (synthesized: typeof template) =>
      reservationsOf(synthesized)
        .filter(([id, executions]) => executions !== undefined && id !== reconcilerId)
        .map(([, executions]) => executions);

    expect(reserved(configured)).toEqual(routes.map(() => 5));
    expect(reserved(off)).toEqual([]);
    for (const synthesized of [configured, off]) {
      expect(reservationsOf(synthesized).find(([id]) => id === reconcilerId)?.[1]).toBe(1);
    }
  });

  it("caps each table's on-demand throughput at 1000 reads and 1500 writes a second", () => {
    const tables = ofType("AWS::DynamoDB::GlobalTable");
    expect(tables).toHaveLength(2);
    for (const [id, table] of tables) {
      const [replica] = table.Properties.Replicas as Array<Record<string, unknown>>;
      expect([id, table.Properties.WriteOnDemandThroughputSettings]).toEqual([
        id,
        { MaxWriteRequestUnits: 1500 },
      ]);
      expect([id, replica?.ReadOnDemandThroughputSettings]).toEqual([
        id,
        { MaxReadRequestUnits: 1000 },
      ]);
    }
  });

  it("caps the tables at the configured units, or not at all with 0", () => {
    configured.allResourcesProperties("AWS::DynamoDB::GlobalTable", {
      WriteOnDemandThroughputSettings: { MaxWriteRequestUnits: 30 },
      Replicas: [Match.objectLike({ ReadOnDemandThroughputSettings: { MaxReadRequestUnits: 40 } })],
    });
    off.allResourcesProperties("AWS::DynamoDB::GlobalTable", {
      WriteOnDemandThroughputSettings: Match.absent(),
      Replicas: [Match.objectLike({ ReadOnDemandThroughputSettings: Match.absent() })],
    });
  });
});
