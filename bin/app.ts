import { App } from "aws-cdk-lib";
import { PaymentsStack } from "../lib/payments-stack";

const app = new App();
// `-c jwtIssuer=https://issuer -c jwtAudience=aud1,aud2` uses your own OIDC
// issuer instead of the Cognito user pool the stack creates by default.
const issuer = app.node.tryGetContext("jwtIssuer");
const audience = app.node.tryGetContext("jwtAudience");
new PaymentsStack(app, "IdempotentPayments", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...(typeof issuer === "string" && typeof audience === "string"
    ? { externalIssuer: { issuer, audience: audience.split(",") } }
    : {}),
});
