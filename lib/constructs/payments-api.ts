import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import type { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type RouteDefinition, routes, type TableAccess } from "../../functions/routes";
import { dataTableDefinition, idempotencyTableDefinition } from "../tables/table-definitions";
import type { ApiFunction } from "./api-function";
import { constructNameOf, createRouteFunction } from "./route-function";

export interface PaymentsApiProps {
  readonly idempotencyTable: ITableV2;
  readonly dataTable: ITableV2;
  readonly authorizer: HttpJwtAuthorizer;
  /** Retention of idempotency keys, in seconds. @default 86_400 */
  readonly idempotencyTtlSeconds?: number;
  /** Steady requests per second across the API before 429. @default 50 */
  readonly throttleRateLimit?: number;
  /** Burst above the steady rate before 429. @default 100 */
  readonly throttleBurstLimit?: number;
  /** Browser origins allowed by CORS. @default ["*"] (tokens, not cookies, authenticate) */
  readonly corsAllowOrigins?: readonly string[];
}

function grant(table: ITableV2, grantee: IGrantable, access: TableAccess): void {
  if (access === "write") table.grantReadWriteData(grantee);
  if (access === "read") table.grantReadData(grantee);
}

/**
 * The HTTP API: one function per entry of the route table, each granted only
 * the table access its entry declares, behind the JWT authorizer except where
 * the entry says otherwise.
 */
export class PaymentsApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly functions: ReadonlyMap<string, ApiFunction>;

  constructor(scope: Construct, id: string, props: PaymentsApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "Idempotent payments API",
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...(props.corsAllowOrigins ?? ["*"])],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH],
        allowHeaders: ["authorization", "content-type", "idempotency-key", "if-match"],
        exposeHeaders: ["location", "etag", "idempotent-replayed", "retry-after"],
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      // Default-route throttling: abusive clients get 429 before any function runs.
      throttle: {
        rateLimit: props.throttleRateLimit ?? 50,
        burstLimit: props.throttleBurstLimit ?? 100,
      },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

    const environment = {
      [idempotencyTableDefinition.tableNameEnv]: props.idempotencyTable.tableName,
      [dataTableDefinition.tableNameEnv]: props.dataTable.tableName,
      IDEMPOTENCY_TTL_SECONDS: String(props.idempotencyTtlSeconds ?? 86_400),
    };
    const functions = new Map<string, ApiFunction>();
    for (const route of routes as readonly RouteDefinition[]) {
      const fn = createRouteFunction(this, route, environment);
      grant(props.idempotencyTable, fn, route.access.idempotency);
      grant(props.dataTable, fn, route.access.data);
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${constructNameOf(route)}Integration`, fn),
        ...(route.authenticated ? { authorizer: props.authorizer } : {}),
      });
      if (!route.authenticated && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: "AwsSolutions::AwsSolutions-APIG4",
          reason:
            "Health checks, the API's own OpenAPI document and its reference page (with the page's script) must be reachable without a token; none reads anything of any caller.",
        });
      }
      functions.set(route.id, fn);
    }
    this.functions = functions;
  }

  /** The API's base URL. */
  get url(): string {
    return this.stage.url;
  }
}
