import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";

/**
 * cdk-nag's AwsSolutions rules on everything in `app`: `cdk synth` fails on a
 * finding not acknowledged with a reason (`Validations.of(construct).acknowledge`),
 * warnings included (cdk-nag 3).
 */
export function addAwsSolutionsChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
