import { Match } from "aws-cdk-lib/assertions";
import { CANARY_USERNAME } from "../../lib/constructs/synthetic-check";
import { synthStack } from "./synth";

type Resource = { Type: string; Properties: Record<string, unknown> };

const { stack, template } = synthStack();
const resources = template.toJSON().Resources as Record<string, Resource>;
const logicalId = (construct: { node: { defaultChild?: unknown } } | undefined) =>
  stack.getLogicalId(construct?.node.defaultChild as never);

describe("the synthetic check", () => {
  it("is a Node.js canary running the deposit replay check every minute against the API", () => {
    template.hasResourceProperties("AWS::Synthetics::Canary", {
      RuntimeVersion: "syn-nodejs-puppeteer-13.0",
      Schedule: { Expression: "rate(1 minute)" },
      Code: {
        Handler: "index.handler",
        // The bundled check: its replay expectation and the Cognito sign-in.
        Script: Match.stringLikeRegexp("Idempotent-Replayed: true"),
      },
      RunConfig: Match.objectLike({
        EnvironmentVariables: {
          API_URL: Match.anyValue(),
          USER_POOL_REGION: "eu-west-1",
          USER_POOL_CLIENT_ID: { Ref: Match.stringLikeRegexp("CanaryClient") },
          CANARY_SECRET_ARN: { Ref: logicalId(stack.syntheticCheck?.credentials) },
        },
      }),
    });
    const [[, canary] = []] = Object.entries(resources).filter(
      ([, resource]) => resource.Type === "AWS::Synthetics::Canary",
    );
    expect(JSON.stringify(canary?.Properties.Code)).toContain("USER_PASSWORD_AUTH");
  });

  it("signs in as a user of its own, whose generated password lives in Secrets Manager", () => {
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: JSON.stringify({ username: CANARY_USERNAME }),
        GenerateStringKey: "password",
        RequireEachIncludedType: true,
      }),
    });
    template.hasResourceProperties("Custom::CanaryUser", {
      UserPoolId: { Ref: Match.stringLikeRegexp("UserPool") },
      SecretArn: { Ref: logicalId(stack.syntheticCheck?.credentials) },
    });
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      ExplicitAuthFlows: Match.arrayWith(["ALLOW_USER_PASSWORD_AUTH"]),
    });
  });

  it("lets the user's provisioner touch users of the stack's pool only", () => {
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: "Allow",
            Action: [
              "cognito-idp:AdminCreateUser",
              "cognito-idp:AdminSetUserPassword",
              "cognito-idp:AdminDeleteUser",
            ],
            Resource: { "Fn::GetAtt": [Match.stringLikeRegexp("UserPool"), "Arn"] },
          },
        ]),
      },
    });
  });

  it("alarms when two runs in a row fail or the canary stops reporting", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "SuccessPercent",
      Namespace: "CloudWatchSynthetics",
      Threshold: 100,
      ComparisonOperator: "LessThanThreshold",
      Period: 60,
      EvaluationPeriods: 2,
      TreatMissingData: "breaching",
    });
  });

  it.each([
    [
      "an external issuer",
      { externalIssuer: { issuer: "https://issuer.example.com", audience: ["a"] } },
    ],
    ["MFA required (it signs in with a password)", { mfa: "required" } as const],
    ["syntheticCheck: false", { syntheticCheck: false }],
  ])("is left out with %s", (_name, props) => {
    synthStack(props).template.resourceCountIs("AWS::Synthetics::Canary", 0);
  });

  it("runs at the configured rate", () => {
    synthStack({ syntheticCheckRateMinutes: 15 }).template.hasResourceProperties(
      "AWS::Synthetics::Canary",
      { Schedule: { Expression: "rate(15 minutes)" } },
    );
  });
});
