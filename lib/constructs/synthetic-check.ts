import { join } from "node:path";
import { CustomResource, Duration, RemovalPolicy, Stack, Token, Validations } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import type { UserPool } from "aws-cdk-lib/aws-cognito";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from "aws-cdk-lib/aws-s3";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Canary, Code, Runtime, Schedule, Test } from "aws-cdk-lib/aws-synthetics";
import { Construct } from "constructs";
import { canaryScript } from "../canary/canary-bundle";
import { ApiFunction } from "./api-function";

export interface SyntheticCheckProps {
  /** The API's base URL, stage included. */
  readonly apiUrl: string;
  /** The stack's user pool: the canary signs in as a user of its own there. */
  readonly userPool: UserPool;
  /** How often the check runs. @default 1 minute */
  readonly rate?: Duration;
}

/** The canary's user name in the pool (its `sub` is the caller of its accounts). */
export const CANARY_USERNAME = "payments-canary";

/**
 * A CloudWatch Synthetics canary that opens an account, deposits, sends the
 * same deposit again and checks the replay and the balance
 * (lib/canary/deposit-replay-check.ts), every minute by default, as a Cognito user
 * of its own: its password is generated into Secrets Manager and set on the
 * user at deployment by a small custom resource; the canary reads it and
 * signs in with the password flow of an app client of its own. Alarmed when
 * two runs in a row fail or the canary stops reporting.
 */
export class SyntheticCheck extends Construct {
  readonly canary: Canary;
  readonly alarm: Alarm;
  readonly credentials: Secret;

  constructor(scope: Construct, id: string, props: SyntheticCheckProps) {
    super(scope, id);
    const rate = props.rate ?? Duration.minutes(1);
    const client = props.userPool.addClient("CanaryClient", {
      authFlows: { userPassword: true },
      accessTokenValidity: Duration.minutes(5),
      idTokenValidity: Duration.minutes(5),
      preventUserExistenceErrors: true,
    });
    this.credentials = new Secret(this, "Credentials", {
      description: "The synthetic check's Cognito user",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: CANARY_USERNAME }),
        generateStringKey: "password",
        passwordLength: 32,
        // Cognito's policy: digits, both cases and a symbol.
        requireEachIncludedType: true,
      },
    });
    const user = this.canaryUser(props.userPool);

    const artifacts = new Bucket(this, "Artifacts", {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Run reports only: they expire, so keeping the bucket keeps nothing for long.
      lifecycleRules: [{ expiration: Duration.days(14) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.canary = new Canary(this, "Canary", {
      runtime: Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0,
      test: Test.custom({ code: Code.fromInline(canaryScript()), handler: "index.handler" }),
      schedule: Schedule.rate(rate),
      timeout: Duration.minutes(1),
      artifactsBucketLocation: { bucket: artifacts },
      successRetentionPeriod: Duration.days(7),
      failureRetentionPeriod: Duration.days(14),
      environmentVariables: {
        API_URL: props.apiUrl,
        USER_POOL_REGION: Stack.of(this).region,
        USER_POOL_CLIENT_ID: client.userPoolClientId,
        CANARY_SECRET_ARN: this.credentials.secretArn,
      },
    });
    this.canary.node.addDependency(user);
    this.credentials.grantRead(this.canary.role);

    this.alarm = new Alarm(this, "Failing", {
      alarmDescription:
        "The synthetic check (open an account, deposit, replay, balance) failed twice in a row, or stopped running.",
      metric: this.canary.metricSuccessPercent({ period: rate }),
      threshold: 100,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // A canary that stopped reporting is as bad as one that fails.
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.acknowledgeFindings(artifacts);
  }

  /** The user, created (or its password set again) at deployment, deleted with the stack. */
  private canaryUser(userPool: UserPool): CustomResource {
    const provisioner = new ApiFunction(this, "UserFunction", {
      entry: join(__dirname, "..", "canary", "canary-user.handler.ts"),
      description: "Creates the synthetic check's Cognito user with the password of its secret",
      environment: {},
      timeout: Duration.seconds(30),
    });
    this.credentials.grantRead(provisioner);
    provisioner.addToRolePolicy(
      new PolicyStatement({
        actions: [
          "cognito-idp:AdminCreateUser",
          "cognito-idp:AdminSetUserPassword",
          "cognito-idp:AdminDeleteUser",
        ],
        resources: [userPool.userPoolArn],
      }),
    );
    return new CustomResource(this, "User", {
      serviceToken: provisioner.functionArn,
      resourceType: "Custom::CanaryUser",
      properties: { UserPoolId: userPool.userPoolId, SecretArn: this.credentials.secretArn },
    });
  }

  private acknowledgeFindings(artifacts: Bucket): void {
    Validations.of(this.credentials).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "The canary's own password, set on its user at deployment; it opens test accounts only. Rotating it is a redeployment (a new secret value updates the user).",
    });
    Validations.of(artifacts).acknowledge({
      id: "AwsSolutions::AwsSolutions-S1",
      reason:
        "The bucket holds the canary's run reports only, expired after 14 days; access logs would need a bucket of their own for nothing of any caller.",
    });
    const stack = Stack.of(this);
    // The findings name resources as cdk-nag renders them: tokens as <Name>.
    const rendered = (value: string, token: string) =>
      Token.isUnresolved(value) ? `<${token}>` : value;
    const bucketId = stack.getLogicalId(artifacts.node.defaultChild as CfnBucket);
    const logGroups = `arn:${rendered(stack.partition, "AWS::Partition")}:logs:${rendered(stack.region, "AWS::Region")}:${rendered(stack.account, "AWS::AccountId")}:log-group:/aws/lambda/cwsyn-*`;
    Validations.of(this.canary.role).acknowledge(
      {
        id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        reason:
          "Synthetics' own role (aws-cdk-lib): s3:ListAllMyBuckets has no resource-level permission, and cloudwatch:PutMetricData is limited to the CloudWatchSynthetics namespace by a condition.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        reason: "The canary writes its run reports, named per run, into its own bucket.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${logGroups}]`,
        reason:
          "Synthetics names the canary's function (and so its log group) cwsyn-<name>-<id> itself; the grant covers canaries' log groups only.",
      },
    );
  }
}
