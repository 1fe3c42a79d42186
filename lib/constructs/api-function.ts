import { join, relative } from "node:path";
import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, LoggingFormat, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { type CfnLogGroup, LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

export interface ApiFunctionProps {
  /** Handler module (exports `handler`), absolute path. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  /**
   * Below API Gateway's 29 s integration timeout, so that a slow invocation
   * ends (and its idempotency lease with it) before the client gives up.
   * @default 10 s
   */
  readonly timeout?: Duration;
  /** Files the handler reads next to its bundle at cold start, copied in after bundling. */
  readonly bundledFiles?: readonly BundledFile[];
  /** Executions reserved for this function (and its most at once). @default none: the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
}

/** A file of the project (node_modules included) and its name next to the bundle. */
export interface BundledFile {
  /** Absolute path, inside the project. */
  readonly source: string;
  readonly name: string;
}

const PROJECT_ROOT = join(__dirname, "..", "..");

/**
 * The defaults every function of the API shares: the newest Node.js runtime
 * on arm64 (cheaper per ms), one esbuild bundle per route (minified, with
 * source maps), X-Ray tracing, JSON logs kept for a month.
 */
export class ApiFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, allowed to write to its own log group only (the managed
    // AWSLambdaBasicExecutionRole would allow every log group of the account).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: props.description,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${logGroup.logGroupArn}:*`],
      }),
    );
    super(scope, id, {
      entry: props.entry,
      role,
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: "--enable-source-maps" },
      bundling: {
        minify: true,
        sourceMap: true,
        target: "node24",
        // CommonJS bundles: the ESM-only dependencies (Middy, jose) are
        // bundled in, so no createRequire banner is needed.
        format: OutputFormat.CJS,
        ...(props.bundledFiles?.length
          ? { commandHooks: copyAfterBundling(props.bundledFiles) }
          : {}),
      },
    });
    Validations.of(role).acknowledge(
      {
        id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        reason:
          "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(logGroup.node.defaultChild as CfnLogGroup)}.Arn>:*]`,
        reason:
          "Log stream names are chosen by Lambda per execution environment; the grant is confined to this function's log group.",
      },
    );
  }
}

/**
 * Copies files into the bundle's folder once esbuild is done. Paths go
 * through the bundling input folder, which is the project root locally and
 * /asset-input when CDK bundles in a container.
 */
function copyAfterBundling(files: readonly BundledFile[]) {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      files.map(
        (file) =>
          `cp "${join(inputDir, relative(PROJECT_ROOT, file.source))}" "${join(outputDir, file.name)}"`,
      ),
  };
}
