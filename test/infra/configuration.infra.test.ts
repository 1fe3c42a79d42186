import { Match } from "aws-cdk-lib/assertions";
import { stackPropsFromContext } from "../../lib/stack-context";
import { synthStack } from "./synth";

type Resource = { Type: string; Properties: Record<string, unknown> };

/** A context reader over `-c name=value` strings. */
const contextOf = (values: Record<string, string>) => (key: string) => values[key];

describe("the stack's settings from CDK context", () => {
  it("reads every setting from -c strings", () => {
    const props = stackPropsFromContext(
      contextOf({
        jwtIssuer: "https://issuer.example.com",
        jwtAudience: "payments, other",
        throttleRateLimit: "20",
        throttleBurstLimit: "40",
        corsAllowOrigins: "https://a.example.com,https://b.example.com",
        mfa: "required",
        threatProtection: "audit",
        alarmEmail: "oncall@example.com",
        tags: "team=payments,env=dev",
        eventArchiveRetentionDays: "7",
        syntheticCheck: "false",
        syntheticCheckRateMinutes: "15",
        callerRateLimit: "300",
        callerRateLimitWindowSeconds: "120",
        reservedConcurrency: "5",
        tableMaxReadRequestUnits: "400",
        tableMaxWriteRequestUnits: "300",
        reconcileAfterSeconds: "120",
      }),
    );

    expect(props).toEqual({
      externalIssuer: { issuer: "https://issuer.example.com", audience: ["payments", "other"] },
      throttleRateLimit: 20,
      throttleBurstLimit: 40,
      corsAllowOrigins: ["https://a.example.com", "https://b.example.com"],
      mfa: "required",
      threatProtection: "audit",
      alarmEmail: "oncall@example.com",
      resourceTags: { team: "payments", env: "dev" },
      eventArchiveRetentionDays: 7,
      syntheticCheck: false,
      syntheticCheckRateMinutes: 15,
      callerRateLimit: 300,
      callerRateLimitWindowSeconds: 120,
      reservedConcurrency: 5,
      tableMaxReadRequestUnits: 400,
      tableMaxWriteRequestUnits: 300,
      reconcileAfterSeconds: 120,
    });
  });

  it("takes 0 to turn the web ACL, reserved concurrency and the tables' ceilings off", () => {
    expect(
      stackPropsFromContext(
        contextOf({
          callerRateLimit: "0",
          reservedConcurrency: "0",
          tableMaxReadRequestUnits: "0",
          tableMaxWriteRequestUnits: "0",
        }),
      ),
    ).toEqual({
      callerRateLimit: 0,
      reservedConcurrency: 0,
      tableMaxReadRequestUnits: 0,
      tableMaxWriteRequestUnits: 0,
    });
  });

  it("takes tags as JSON too, and nothing when nothing is set", () => {
    expect(stackPropsFromContext(contextOf({ tags: '{"cost-center":"42"}' }))).toEqual({
      resourceTags: { "cost-center": "42" },
    });
    expect(stackPropsFromContext(contextOf({}))).toEqual({});
  });

  it.each([
    ["an MFA setting that does not exist", { mfa: "sometimes" }, "mfa"],
    ["a rate that is not a number", { throttleRateLimit: "fast" }, "throttleRateLimit"],
    ["an e-mail address that is not one", { alarmEmail: "oncall" }, "alarmEmail"],
    ["an issuer without audience", { jwtIssuer: "https://issuer.example.com" }, "go together"],
    ["tags that are not JSON", { tags: "{team" }, "tags"],
    ["a caller rate limit below WAF's minimum", { callerRateLimit: "9" }, "callerRateLimit"],
    [
      "a caller rate limit that is not a whole number",
      { callerRateLimit: "10.5" },
      "callerRateLimit",
    ],
    [
      "a window WAF does not offer",
      { callerRateLimitWindowSeconds: "90" },
      "callerRateLimitWindowSeconds",
    ],
    ["a negative reserved concurrency", { reservedConcurrency: "-1" }, "reservedConcurrency"],
    [
      "a read ceiling that is not a number",
      { tableMaxReadRequestUnits: "lots" },
      "tableMaxReadRequestUnits",
    ],
    ["a negative write ceiling", { tableMaxWriteRequestUnits: "-5" }, "tableMaxWriteRequestUnits"],
    ["a canary rate of 0 minutes", { syntheticCheckRateMinutes: "0" }, "syntheticCheckRateMinutes"],
    [
      "a reconciler delay past an hour (the unsettled alarm's)",
      { reconcileAfterSeconds: "3601" },
      "reconcileAfterSeconds",
    ],
  ])("refuses %s, naming it", (_name, values, named) => {
    expect(() => stackPropsFromContext(contextOf(values))).toThrow(named);
  });
});

describe("the settings in the template", () => {
  const { template } = synthStack({
    throttleRateLimit: 20,
    throttleBurstLimit: 40,
    mfa: "required",
    threatProtection: "enforced",
    resourceTags: { team: "payments", "cost-center": "42" },
    eventArchiveRetentionDays: 7,
  });
  const resources = Object.values(template.toJSON().Resources as Record<string, Resource>);

  it("throttles the stage at the configured rate and burst", () => {
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })],
    });
  });

  it("requires MFA and enforces threat protection on the Plus plan", () => {
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      MfaConfiguration: "ON",
      UserPoolTier: "PLUS",
      UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
    });
  });

  it("costs nothing at rest by default: optional MFA, Essentials plan, no threat protection", () => {
    synthStack().template.hasResourceProperties("AWS::Cognito::UserPool", {
      MfaConfiguration: "OPTIONAL",
      UserPoolTier: "ESSENTIALS",
      UserPoolAddOns: Match.absent(),
    });
  });

  it.each([
    "AWS::Lambda::Function",
    "AWS::DynamoDB::GlobalTable",
    "AWS::ApiGateway::RestApi",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
  ])("tags every %s", (type) => {
    const ofType = resources.filter((resource) => resource.Type === type);
    expect(ofType.length).toBeGreaterThan(0);
    for (const resource of ofType) {
      const tags = JSON.stringify(resource.Properties.Tags ?? resource.Properties.Replicas);
      expect([type, tags]).toEqual([type, expect.stringContaining('"cost-center"')]);
    }
  });

  it("archives the event bus's events for the configured days", () => {
    template.hasResourceProperties("AWS::Events::Archive", {
      RetentionDays: 7,
      SourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("Bus"), "Arn"] },
      EventPattern: { account: [Match.anyValue()] },
    });
  });
});
