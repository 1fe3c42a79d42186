import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { buildStack } from "./synth";

describe("AWS Solutions checks (cdk-nag)", () => {
  it("find nothing that is not acknowledged with a reason", () => {
    const { app } = buildStack();
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
