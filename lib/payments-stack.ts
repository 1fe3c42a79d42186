import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { corsPolicy } from "../functions/shared/http/cors-policy";
import { AlarmTopic, notifyOnEveryAlarm } from "./constructs/alarm-topic";
import { ApiAuth, type ExternalIssuer } from "./constructs/api-auth";
import { Monitoring } from "./constructs/monitoring";
import { OperationsDashboard } from "./constructs/operations-dashboard";
import { OutboxPublisher } from "./constructs/outbox-publisher";
import { PaymentsApi } from "./constructs/payments-api";
import { PaymentsTables } from "./constructs/tables";

export interface PaymentsStackProps extends StackProps {
  /** @default a Cognito user pool of the stack's own */
  readonly externalIssuer?: ExternalIssuer;
  /** Browser origins allowed by CORS. @default ["*"] (tokens, not cookies, authenticate) */
  readonly corsAllowOrigins?: readonly string[];
  /** An e-mail address subscribed to the alarm topic. @default none (subscribe later) */
  readonly alarmEmail?: string;
}

/** The payments API on AWS: tables, API, functions, outbox publisher, alarms. */
export class PaymentsStack extends Stack {
  readonly tables: PaymentsTables;
  readonly auth: ApiAuth;
  readonly api: PaymentsApi;
  readonly outbox: OutboxPublisher;
  readonly monitoring: Monitoring;
  readonly alarmTopic: AlarmTopic;

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
    const functions = new Map([
      ...this.api.functions,
      ["outbox-publisher", this.outbox.function],
      ...(this.auth.authorizerFunction
        ? [["jwt-authorizer", this.auth.authorizerFunction] as const]
        : []),
    ]);
    const observed = {
      api: this.api.restApi,
      functions,
      tables: new Map([
        ["Idempotency", this.tables.idempotency],
        ["Data", this.tables.data],
      ]),
      streamConsumer: this.outbox.function,
      deadLetterQueue: this.outbox.deadLetterQueue,
    };
    this.monitoring = new Monitoring(this, "Monitoring", observed);
    new OperationsDashboard(this, "Operations", observed);
    this.alarmTopic = new AlarmTopic(this, "Alarms", {
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });
    // Last: every alarm of the stack, whoever made it, notifies the topic.
    notifyOnEveryAlarm(this, this.alarmTopic.topic);

    new CfnOutput(this, "ApiUrl", { value: this.api.url });
    new CfnOutput(this, "EventBusName", { value: this.outbox.bus.eventBusName });
    new CfnOutput(this, "AlarmTopicArn", { value: this.alarmTopic.topic.topicArn });
    if (this.auth.userPool && this.auth.userPoolClient) {
      new CfnOutput(this, "UserPoolId", { value: this.auth.userPool.userPoolId });
      new CfnOutput(this, "UserPoolClientId", {
        value: this.auth.userPoolClient.userPoolClientId,
      });
    }
  }
}
