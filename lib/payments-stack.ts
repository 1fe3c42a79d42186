import { CfnOutput, Duration, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { corsPolicy } from "../functions/shared/http/cors-policy";
import { AlarmTopic, notifyOnEveryAlarm } from "./constructs/alarm-topic";
import {
  ApiAuth,
  type ExternalIssuer,
  type MfaSetting,
  type ThreatProtectionSetting,
} from "./constructs/api-auth";
import { Monitoring } from "./constructs/monitoring";
import { OperationsDashboard } from "./constructs/operations-dashboard";
import { OutboxPublisher } from "./constructs/outbox-publisher";
import { PaymentsApi } from "./constructs/payments-api";
import { SyntheticCheck } from "./constructs/synthetic-check";
import { syntheticCheckWidgets } from "./constructs/synthetic-check-widgets";
import { PaymentsTables } from "./constructs/tables";

/** What a deployment may choose; every setting has a default that costs nothing at rest. */
export interface PaymentsSettings {
  /** @default a Cognito user pool of the stack's own */
  readonly externalIssuer?: ExternalIssuer;
  /** Steady requests per second across the API before 429. @default 50 */
  readonly throttleRateLimit?: number;
  /** Burst above the steady rate before 429. @default 100 */
  readonly throttleBurstLimit?: number;
  /** Browser origins allowed by CORS. @default ["*"] (tokens, not cookies, authenticate) */
  readonly corsAllowOrigins?: readonly string[];
  /** Multi-factor authentication of the stack's user pool. @default "optional" */
  readonly mfa?: MfaSetting;
  /** Cognito threat protection (Plus plan, billed per user). @default "off" */
  readonly threatProtection?: ThreatProtectionSetting;
  /** An e-mail address subscribed to the alarm topic. @default none (subscribe later) */
  readonly alarmEmail?: string;
  /** Tags on every resource of the stack (cost allocation, ownership). @default none */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** Days the event bus's archive keeps events; 0 keeps them forever. @default 30 */
  readonly eventArchiveRetentionDays?: number;
  /**
   * The synthetic check (a Synthetics canary, about $0.0012 a run). Deployed
   * only with the stack's own user pool and MFA not required: it signs in
   * with a password. @default true
   */
  readonly syntheticCheck?: boolean;
  /** Minutes between two runs of the synthetic check. @default 5 */
  readonly syntheticCheckRateMinutes?: number;
}

export interface PaymentsStackProps extends StackProps, PaymentsSettings {}

/** The payments API on AWS: tables, API, functions, outbox publisher, alarms. */
export class PaymentsStack extends Stack {
  readonly tables: PaymentsTables;
  readonly auth: ApiAuth;
  readonly api: PaymentsApi;
  readonly outbox: OutboxPublisher;
  readonly monitoring: Monitoring;
  readonly alarmTopic: AlarmTopic;
  readonly syntheticCheck?: SyntheticCheck;

  constructor(scope: Construct, id: string, props: PaymentsStackProps = {}) {
    super(scope, id, props);
    this.tables = new PaymentsTables(this, "Tables");
    this.auth = new ApiAuth(this, "Auth", {
      ...(props.externalIssuer ? { externalIssuer: props.externalIssuer } : {}),
      ...(props.mfa ? { mfa: props.mfa } : {}),
      ...(props.threatProtection ? { threatProtection: props.threatProtection } : {}),
    });
    this.api = new PaymentsApi(this, "Api", {
      idempotencyTable: this.tables.idempotency,
      dataTable: this.tables.data,
      authorizer: this.auth.authorizer,
      authorizationScopes: this.auth.authorizationScopes,
      cors: corsPolicy(props.corsAllowOrigins),
      ...(props.throttleRateLimit !== undefined
        ? { throttleRateLimit: props.throttleRateLimit }
        : {}),
      ...(props.throttleBurstLimit !== undefined
        ? { throttleBurstLimit: props.throttleBurstLimit }
        : {}),
    });
    this.outbox = new OutboxPublisher(this, "Outbox", {
      dataTable: this.tables.data,
      idempotencyTable: this.tables.idempotency,
      archiveRetention: Duration.days(props.eventArchiveRetentionDays ?? 30),
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
    const userPool = this.auth.userPool;
    if (userPool && props.syntheticCheck !== false && props.mfa !== "required") {
      this.syntheticCheck = new SyntheticCheck(this, "SyntheticCheck", {
        apiUrl: this.api.url,
        userPool,
        rate: Duration.minutes(props.syntheticCheckRateMinutes ?? 5),
      });
    }
    new OperationsDashboard(this, "Operations", {
      ...observed,
      ...(this.syntheticCheck ? { extraRows: [syntheticCheckWidgets(this.syntheticCheck)] } : {}),
    });
    this.alarmTopic = new AlarmTopic(this, "Alarms", {
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });
    // Last: every alarm of the stack, whoever made it, notifies the topic.
    notifyOnEveryAlarm(this, this.alarmTopic.topic);
    // Tags.of tags every taggable resource below the stack.
    for (const [key, value] of Object.entries(props.resourceTags ?? {})) {
      Tags.of(this).add(key, value);
    }

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
