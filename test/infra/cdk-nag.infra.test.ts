import { Queue } from "aws-cdk-lib/aws-sqs";
import { addAwsSolutionsChecks } from "../../lib/aws-solutions-checks";
import { buildStack } from "./synth";

/** What synthesis reports (the message that interrupts it), or "" when it succeeds. */
function synthReport(app: { synth(): unknown }): string {
  try {
    app.synth();
    return "";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("AWS Solutions checks (cdk-nag), as bin/app.ts applies them", () => {
  it.each([
    ["with the stack's Cognito user pool", {}],
    [
      "with an external OpenID Connect issuer",
      { externalIssuer: { issuer: "https://issuer.example.com", audience: ["payments"] } },
    ],
    [
      "with MFA required and threat protection enforced",
      { mfa: "required", threatProtection: "enforced" } as const,
    ],
    ["without the web ACL (callerRateLimit 0)", { callerRateLimit: 0 }],
  ])("find nothing that is not acknowledged with a reason, %s", (_name, props) => {
    const { app } = buildStack(props);
    addAwsSolutionsChecks(app);

    // A violation interrupts synthesis with the report, which names each finding.
    expect(synthReport(app)).toBe("");
  });

  it("fail synthesis on a finding nobody acknowledged", () => {
    const { app, stack } = buildStack();
    addAwsSolutionsChecks(app);
    // A queue that accepts plain HTTP and has no dead-letter queue.
    new Queue(stack, "CarelessQueue");

    const report = synthReport(app);

    expect(report).toContain("AwsSolutions-SQS4");
    expect(report).toContain("CarelessQueue");
  });
});
