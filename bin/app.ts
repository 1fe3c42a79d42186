import { App } from "aws-cdk-lib";
import { PaymentsStack } from "../lib/payments-stack";

const app = new App();
new PaymentsStack(app, "IdempotentPayments", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
