import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { corsPolicy } from "../functions/shared/http/cors-policy";
import { ApiAuth, type ExternalIssuer } from "./constructs/api-auth";
import { Monitoring } from "./constructs/monitoring";
import { OutboxPublisher } from "./constructs/outbox-publisher";
import { PaymentsApi } from "./constructs/payments-api";
import { PaymentsTables } from "./constructs/tables";

export interface PaymentsStackProps extends StackProps {
  /** @default a Cognito user pool of the stack's own */
  readonly externalIssuer?: ExternalIssuer;
  /** Browser origins allowed by CORS. @default ["*"] (tokens, not cookies, authenticate) */
  readonly corsAllowOrigins?: readonly string[];
}

/** The payments API on AWS: tables, API, functions, outbox publisher, alarms. */
export class PaymentsStack extends Stack {
  readonly tables: PaymentsTables;
  readonly auth: ApiAuth;
  readonly api: PaymentsApi;
  readonly outbox: OutboxPublisher;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: PaymentsStackProps = {}) {
    super(scope, id, props);
    this.tables = new PaymentsTables(this, "Tables");
    this.auth = new ApiAuth(this, "Auth", {
      ...(props.externalIssuer ? { externalIssuer: props.externalIssuer } : {}),
    });
    this.api = new PaymentsApi(this, "Api", {
      idempotencyTable: this.tables.idempotency,
      dataTable: this.tables.data,
      authorizer: this.auth.authorizer,
      authorizationScopes: this.auth.authorizationScopes,
      cors: corsPolicy(props.corsAllowOrigins),
    });
    this.outbox = new OutboxPublisher(this, "Outbox", {
      dataTable: this.tables.data,
      idempotencyTable: this.tables.idempotency,
    });
    this.monitoring = new Monitoring(this, "Monitoring", {
      api: this.api.restApi,
      functions: [
        ...this.api.functions.values(),
        this.outbox.function,
        ...(this.auth.authorizerFunction ? [this.auth.authorizerFunction] : []),
      ],
      deadLetterQueue: this.outbox.deadLetterQueue,
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.url });
    new CfnOutput(this, "EventBusName", { value: this.outbox.bus.eventBusName });
    if (this.auth.userPool && this.auth.userPoolClient) {
      new CfnOutput(this, "UserPoolId", { value: this.auth.userPool.userPoolId });
      new CfnOutput(this, "UserPoolClientId", {
        value: this.auth.userPoolClient.userPoolClientId,
      });
    }
  }
}
