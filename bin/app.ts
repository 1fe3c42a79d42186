import { App } from "aws-cdk-lib";
import { addAwsSolutionsChecks } from "../lib/aws-solutions-checks";
import { PaymentsStack } from "../lib/payments-stack";
import { stackPropsFromContext } from "../lib/stack-context";

// Settings come from context (cdk.json or `-c name=value`); see lib/stack-context.ts.
const app = new App();
addAwsSolutionsChecks(app);
new PaymentsStack(app, "IdempotentPayments", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...stackPropsFromContext((key) => app.node.tryGetContext(key)),
});
