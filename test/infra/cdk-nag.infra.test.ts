import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { buildStack } from "./synth";

describe("AWS Solutions checks (cdk-nag)", () => {
  it.each([
    ["with the stack's Cognito user pool", {}],
    [
      "with an external OpenID Connect issuer",
      { externalIssuer: { issuer: "https://issuer.example.com", audience: ["payments"] } },
    ],
  ])("find nothing that is not acknowledged with a reason, %s", (_name, props) => {
    const { app } = buildStack(props);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // A violation interrupts synthesis with the report, which names each finding.
    let report = "";
    try {
      app.synth();
    } catch (error) {
      report = error instanceof Error ? error.message : String(error);
    }

    expect(report).toBe("");
  });
});
