import { RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  CognitoUserPoolsAuthorizer,
  EndpointType,
  type IAuthorizer,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  RestApi,
  type Stage,
} from "aws-cdk-lib/aws-apigateway";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import { type RouteDefinition, routes, type TableAccess } from "../../functions/routes";
import {
  CORS_ALLOW_ORIGINS_ENV,
  type CorsPolicy,
  staticCorsAnswerHeaders,
} from "../../functions/shared/http/cors-policy";
import { API_STAGE_NAME } from "../api/stage";
import { dataTableDefinition, idempotencyTableDefinition } from "../tables/table-definitions";
import { accessLogFormat } from "./access-log-format";
import type { ApiFunction } from "./api-function";
import { addCorsPreflight } from "./cors-preflight";
import { addMethodNotAllowed } from "./method-not-allowed";
import { addProblemGatewayResponses } from "./problem-gateway-responses";
import type { ProcessorSecret } from "./processor-secret";
import { createRouteFunction } from "./route-function";
import { acknowledgeIndexGrant } from "./tables";

export interface PaymentsApiProps {
  readonly idempotencyTable: ITableV2;
  readonly dataTable: ITableV2;
  /** Read by the routes whose entry says `processorSecret`, and by no other. */
  readonly processorSecret: ProcessorSecret;
  readonly authorizer: IAuthorizer;
  /** Scopes an authenticated method requires of the token (Cognito access tokens). */
  readonly authorizationScopes: readonly string[];
  readonly cors: CorsPolicy;
  /**
   * Retention of idempotency keys, in seconds.
   * @default the layer's DEFAULT_RETENTION_SECONDS (24 h)
   */
  readonly idempotencyRetentionSeconds?: number;
  /** Steady requests per second across the API before 429. @default 50 */
  readonly throttleRateLimit?: number;
  /** Burst above the steady rate before 429. @default 100 */
  readonly throttleBurstLimit?: number;
  /** Reserved concurrency of each route's function; 0 reserves none. @default none */
  readonly reservedConcurrency?: number;
}

function grant(table: ITableV2, grantee: IGrantable, access: TableAccess): void {
  if (access === "write") table.grantReadWriteData(grantee);
  if (access === "read") table.grantReadData(grantee);
}

/**
 * The REST API: one function per entry of the route table behind a Lambda
 * proxy integration, each granted only the table access its entry declares,
 * behind the authorizer except where the entry says otherwise. A REST API
 * rather than an HTTP API because only a REST API lets the gateway's own
 * answers (401, 404, 429...) be the contract's problem+json.
 */
export class PaymentsApi extends Construct {
  readonly restApi: RestApi;
  readonly stage: Stage;
  readonly functions: ReadonlyMap<string, ApiFunction>;

  constructor(scope: Construct, id: string, props: PaymentsApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.restApi = new RestApi(this, "RestApi", {
      description: "Idempotent payments API",
      endpointTypes: [EndpointType.REGIONAL],
      // Every body reaches the functions as its exact bytes (base64): a body
      // that is not UTF-8 is refused by the handler, never altered on the way.
      binaryMediaTypes: ["*/*"],
      cloudWatchRole: false,
      deployOptions: {
        stageName: API_STAGE_NAME,
        // Stage-wide throttling: abusive clients get 429 before any function runs.
        throttlingRateLimit: props.throttleRateLimit ?? 50,
        throttlingBurstLimit: props.throttleBurstLimit ?? 100,
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
        loggingLevel: MethodLoggingLevel.OFF,
        metricsEnabled: false,
      },
    });
    this.stage = this.restApi.deploymentStage;
    addProblemGatewayResponses(this.restApi, props.cors);

    const environment = {
      [idempotencyTableDefinition.tableNameEnv]: props.idempotencyTable.tableName,
      [dataTableDefinition.tableNameEnv]: props.dataTable.tableName,
      IDEMPOTENCY_RETENTION_SECONDS: String(
        props.idempotencyRetentionSeconds ?? DEFAULT_RETENTION_SECONDS,
      ),
      [CORS_ALLOW_ORIGINS_ENV]: props.cors.allowOrigins.join(","),
    };
    const functions = new Map<string, ApiFunction>();
    const methodsByPath = new Map<string, string[]>();
    for (const route of routes as readonly RouteDefinition[]) {
      const fn = createRouteFunction(this, route, environment, props.reservedConcurrency);
      grant(props.idempotencyTable, fn, route.access.idempotency);
      grant(props.dataTable, fn, route.access.data);
      if (route.access.data !== "none" && fn.role) acknowledgeIndexGrant(fn.role, props.dataTable);
      if (route.processorSecret) props.processorSecret.grantTo(fn);
      const method = this.resourceFor(route.path).addMethod(
        route.method,
        // Permission to invoke from this method of this stage only (no test invocations).
        new LambdaIntegration(fn, { proxy: true, allowTestInvoke: false }),
        route.authenticated
          ? {
              authorizer: props.authorizer,
              ...(props.authorizationScopes.length > 0
                ? { authorizationScopes: [...props.authorizationScopes] }
                : {}),
            }
          : {},
      );
      if (route.authenticated && !(props.authorizer instanceof CognitoUserPoolsAuthorizer)) {
        Validations.of(method).acknowledge({
          id: "AwsSolutions::AwsSolutions-COG4",
          reason:
            "The stack was deployed for an external OpenID Connect issuer (jwtIssuer): the Lambda TOKEN authorizer verifies its tokens as API Gateway's JWT authorizer would.",
        });
      }
      if (!route.authenticated) {
        acknowledgePublic(
          method,
          route.id === "processorWebhook"
            ? "The processor's webhook carries no token: each event is verified by its Stripe-Signature (HMAC-SHA256 with the endpoint's signing secret) before anything is applied, and refused with 400 otherwise."
            : "Health checks, the API's own OpenAPI document and its reference page (with the page's script) must be reachable without a token; none reads anything of any caller.",
        );
      }
      methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
      functions.set(route.id, fn);
    }
    for (const [path, methods] of methodsByPath) {
      const resource = this.resourceFor(path);
      acknowledgePublic(
        addCorsPreflight(resource, props.cors, methods),
        "A CORS preflight carries no credentials by definition; a mock integration answers it, no function runs.",
      );
      acknowledgePublic(
        addMethodNotAllowed(resource, methods, staticCorsAnswerHeaders(props.cors)),
        "Answers 405 for methods the resource has no route for, from a mock integration: no function runs, nothing of any caller is read.",
      );
    }
    this.functions = functions;
    this.acknowledgeApiFindings();
  }

  /** The API's base URL, stage included. */
  get url(): string {
    return this.restApi.url;
  }

  /** For a deployment that chose no web ACL on the stage (`callerRateLimit` 0). */
  acknowledgeNoWebAcl(): void {
    Validations.of(this.restApi).acknowledge({
      id: "AwsSolutions::AwsSolutions-APIG3",
      reason:
        "This deployment chose no web ACL (callerRateLimit 0), saving its $5 a month plus $1 per rule: the stage still throttles all callers together (429 rate-limited), and every route but the public operations ones needs a token.",
    });
  }

  private resourceFor(path: string): IResource {
    return this.restApi.root.resourceForPath(path);
  }

  private acknowledgeApiFindings(): void {
    Validations.of(this.restApi).acknowledge(
      {
        id: "AwsSolutions::AwsSolutions-APIG2",
        reason:
          "Requests are validated by the handlers against the zod schemas the OpenAPI document is generated from, and refused as problem+json; a gateway validator would duplicate the schemas and answer in another shape.",
      },
      {
        id: "AwsSolutions::AwsSolutions-APIG6",
        reason:
          "Execution logs need the account-wide API Gateway CloudWatch role, which one stack must not own; the stage writes JSON access logs (status, latencies, integration and authorizer errors) and X-Ray traces instead.",
      },
    );
  }
}

/** A method reachable without a token, on purpose: the reason says why. */
function acknowledgePublic(method: Method, reason: string): void {
  Validations.of(method).acknowledge(
    { id: "AwsSolutions::AwsSolutions-APIG4", reason },
    { id: "AwsSolutions::AwsSolutions-COG4", reason },
  );
}
