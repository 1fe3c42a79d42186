import { CfnOutput, Duration, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { type RouteDefinition, routeById, routes } from "../functions/routes";
import { CORS_ORIGIN_RULE, corsPolicy, isCorsOrigin } from "../functions/shared/http/cors-policy";
import { API_STAGE_NAME } from "./api/stage";
import { AlarmTopic, notifyOnEveryAlarm } from "./constructs/alarm-topic";
import {
  ApiAuth,
  type ExternalIssuer,
  type MfaSetting,
  type ThreatProtectionSetting,
} from "./constructs/api-auth";
import { CallerRateLimit, type RateLimitWindowSeconds } from "./constructs/caller-rate-limit";
import { MONITORING_PERIOD, Monitoring } from "./constructs/monitoring";
import { OperationsDashboard } from "./constructs/operations-dashboard";
import { OutboxPublisher } from "./constructs/outbox-publisher";
import { PaymentsApi } from "./constructs/payments-api";
import { ProcessorSecret } from "./constructs/processor-secret";
import { Reconciler } from "./constructs/reconciler";
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
  /** Minutes between two runs of the synthetic check (every run costs, see docs/operating.md). @default 1 */
  readonly syntheticCheckRateMinutes?: number;
  /**
   * Requests per window that one bearer token (or one IP address, for
   * requests without a token) may send, counted by a WAF web ACL on the
   * stage; over it, 429. At least 10 (WAF's minimum); 0 leaves the web ACL
   * out. @default 600 (per 60 s: about 10 a second, a fifth of the stage's 50)
   */
  readonly callerRateLimit?: number;
  /** The window `callerRateLimit` counts over. @default 60 */
  readonly callerRateLimitWindowSeconds?: RateLimitWindowSeconds;
  /**
   * Reserved concurrency of each route's function: a burst on one route
   * cannot take the account's concurrency from the others, nor from the rest
   * of the account. 0 reserves none. Deployment fails if the reservations
   * would leave the account fewer than 100 unreserved executions.
   * @default 20
   */
  readonly reservedConcurrency?: number;
  /** Each table's on-demand maximum of read request units per second; 0 sets none. @default 1000 */
  readonly tableMaxReadRequestUnits?: number;
  /** Each table's on-demand maximum of write request units per second; 0 sets none. @default 1500 */
  readonly tableMaxWriteRequestUnits?: number;
  /**
   * Seconds an unsettled card payment or refund is left to its own request's
   * retries before the reconciler (every minute) resumes it. @default 60
   */
  readonly reconcileAfterSeconds?: number;
}

export interface PaymentsStackProps extends StackProps, PaymentsSettings {}

/** The payments API on AWS: tables, API, functions, outbox publisher, alarms. */
export class PaymentsStack extends Stack {
  readonly tables: PaymentsTables;
  readonly auth: ApiAuth;
  readonly processorSecret: ProcessorSecret;
  readonly api: PaymentsApi;
  readonly outbox: OutboxPublisher;
  readonly reconciler: Reconciler;
  readonly monitoring: Monitoring;
  readonly alarmTopic: AlarmTopic;
  readonly syntheticCheck?: SyntheticCheck;
  readonly callerRateLimit?: CallerRateLimit;

  constructor(scope: Construct, id: string, props: PaymentsStackProps = {}) {
    super(scope, id, props);
    this.tables = new PaymentsTables(this, "Tables", {
      maxReadRequestUnits: props.tableMaxReadRequestUnits ?? 1000,
      maxWriteRequestUnits: props.tableMaxWriteRequestUnits ?? 1500,
    });
    this.auth = new ApiAuth(this, "Auth", {
      ...(props.externalIssuer ? { externalIssuer: props.externalIssuer } : {}),
      ...(props.mfa ? { mfa: props.mfa } : {}),
      ...(props.threatProtection ? { threatProtection: props.threatProtection } : {}),
    });
    const badOrigins = (props.corsAllowOrigins ?? []).filter((origin) => !isCorsOrigin(origin));
    if (badOrigins.length > 0) {
      throw new Error(`corsAllowOrigins ${badOrigins.join(", ")}: ${CORS_ORIGIN_RULE}`);
    }
    const cors = corsPolicy(props.corsAllowOrigins);
    this.processorSecret = new ProcessorSecret(this, "PaymentProcessor");
    this.api = new PaymentsApi(this, "Api", {
      idempotencyTable: this.tables.idempotency,
      dataTable: this.tables.data,
      processorSecret: this.processorSecret,
      authorizer: this.auth.authorizer,
      authorizationScopes: this.auth.authorizationScopes,
      cors,
      reservedConcurrency: props.reservedConcurrency ?? 20,
      ...(props.throttleRateLimit !== undefined
        ? { throttleRateLimit: props.throttleRateLimit }
        : {}),
      ...(props.throttleBurstLimit !== undefined
        ? { throttleBurstLimit: props.throttleBurstLimit }
        : {}),
    });
    const callerRateLimit = props.callerRateLimit ?? 600;
    if (callerRateLimit > 0) {
      this.callerRateLimit = new CallerRateLimit(this, "CallerRateLimit", {
        stage: this.api.stage,
        limit: callerRateLimit,
        windowSeconds: props.callerRateLimitWindowSeconds ?? 60,
        // Stripe's deliveries carry no token: their signature is checked instead.
        signedPaths: [`/${API_STAGE_NAME}${routeById("processorWebhook").path}`],
        cors,
      });
    } else {
      this.api.acknowledgeNoWebAcl();
    }
    this.outbox = new OutboxPublisher(this, "Outbox", {
      dataTable: this.tables.data,
      idempotencyTable: this.tables.idempotency,
      archiveRetention: Duration.days(props.eventArchiveRetentionDays ?? 30),
    });
    this.reconciler = new Reconciler(this, "Reconciler", {
      dataTable: this.tables.data,
      idempotencyTable: this.tables.idempotency,
      processorSecret: this.processorSecret,
      ...(props.reconcileAfterSeconds !== undefined
        ? { reconcileAfterSeconds: props.reconcileAfterSeconds }
        : {}),
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
    this.monitoring = new Monitoring(this, "Monitoring", {
      ...observed,
      reconciler: this.reconciler.function,
      // The card routes: they call the processor for a caller (the webhook only verifies).
      processorCallers: (routes as readonly RouteDefinition[])
        .filter((route) => route.processorSecret && route.idempotency === "lease")
        .map((route) => route.id),
      ...(this.callerRateLimit
        ? {
            edgeBlockedRequests: this.callerRateLimit.metricBlockedRequests({
              period: MONITORING_PERIOD,
            }),
          }
        : {}),
    });
    const userPool = this.auth.userPool;
    if (userPool && props.syntheticCheck !== false && props.mfa !== "required") {
      this.syntheticCheck = new SyntheticCheck(this, "SyntheticCheck", {
        apiUrl: this.api.url,
        userPool,
        rate: Duration.minutes(props.syntheticCheckRateMinutes ?? 1),
      });
    }
    new OperationsDashboard(this, "Operations", {
      ...observed,
      functions: new Map([...functions, ["reconciler", this.reconciler.function]]),
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
    // Where the operator puts Stripe's keys after the first deployment.
    new CfnOutput(this, "PaymentProcessorSecretArn", {
      value: this.processorSecret.secret.secretArn,
    });
    if (this.auth.userPool && this.auth.userPoolClient) {
      new CfnOutput(this, "UserPoolId", { value: this.auth.userPool.userPoolId });
      new CfnOutput(this, "UserPoolClientId", {
        value: this.auth.userPoolClient.userPoolClientId,
      });
    }
  }
}
