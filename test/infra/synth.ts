import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { PaymentsStack, type PaymentsStackProps } from "../../lib/payments-stack";

/** The app and stack, not yet synthesized (validation plugins must come first). */
export function buildStack(props: PaymentsStackProps = {}): { app: App; stack: PaymentsStack } {
  // Skips bundling: the tests read the template, not the bundles.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new PaymentsStack(app, "Test", {
    env: { account: "123456789012", region: "eu-west-1" },
    ...props,
  });
  return { app, stack };
}

/** The stack as CloudFormation. */
export function synthStack(props: PaymentsStackProps = {}) {
  const { app, stack } = buildStack(props);
  return { app, stack, template: Template.fromStack(stack) };
}
