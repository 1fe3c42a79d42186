import { Match } from "aws-cdk-lib/assertions";
import { type RouteDefinition, routes } from "../../functions/routes";
import { corsPolicy } from "../../functions/shared/http/cors-policy";
import { gatewayResponseProblems } from "../../lib/api/edge-problems";
import { ACCESS_LOG_FIELDS } from "../../lib/constructs/access-log-format";
import { synthStack } from "./synth";

type Resource = { Type: string; Properties: Record<string, unknown> };
type MethodProperties = {
  HttpMethod: string;
  ResourceId: { Ref: string };
  AuthorizationType?: string;
  AuthorizationScopes?: string[];
  Integration: { Type: string; Uri?: unknown };
};
type Statement = { Action: string | string[]; Resource: unknown };

const { stack, template } = synthStack();
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** The DynamoDB actions a route's function may perform, by table logical id. */
function tableActionsOf(route: RouteDefinition): Map<string, Set<string>> {
  const fn = stack.api.functions.get(route.id);
  const roleId = fn && stack.getLogicalId(fn.role?.node.defaultChild as never);
  const byTable = new Map<string, Set<string>>();
  for (const [, policy] of ofType("AWS::IAM::Policy")) {
    const roles = policy.Properties.Roles as Array<{ Ref: string }>;
    if (!roles.some((role) => role.Ref === roleId)) continue;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    for (const statement of statements) {
      const text = JSON.stringify(statement.Resource);
      for (const table of ["IdempotencyTable", "DataTable"]) {
        if (!text.includes(table)) continue;
        const actions = byTable.get(table) ?? new Set<string>();
        for (const action of [statement.Action].flat()) actions.add(action);
        byTable.set(table, actions);
      }
    }
  }
  return byTable;
}

const WRITES = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

/** The REST API's path of each resource, by logical id (`/accounts/{accountId}`). */
function resourcePaths(): Map<string, string> {
  const parents = new Map<string, { parent: string; part: string }>();
  for (const [id, resource] of ofType("AWS::ApiGateway::Resource")) {
    const parent = resource.Properties.ParentId as { Ref?: string };
    parents.set(id, { parent: parent.Ref ?? "", part: String(resource.Properties.PathPart) });
  }
  const pathOf = (id: string): string => {
    const entry = parents.get(id);
    return entry ? `${pathOf(entry.parent)}/${entry.part}` : "";
  };
  return new Map([...parents.keys()].map((id) => [id, pathOf(id)]));
}

/** Every method of the REST API as `METHOD /path`, with its properties. */
function methods(): Map<string, MethodProperties> {
  const paths = resourcePaths();
  return new Map(
    ofType("AWS::ApiGateway::Method").map(([, method]) => {
      const properties = method.Properties as MethodProperties;
      const path = paths.get(properties.ResourceId.Ref) ?? "/";
      return [`${properties.HttpMethod} ${path}`, properties];
    }),
  );
}

const routePaths = [...new Set(routes.map((route) => route.path))];

describe("the stack", () => {
  it("deploys one function and one Lambda proxy method per route-table entry, plus the outbox publisher, the reconciler and the canary user's provisioner", () => {
    const byKey = methods();
    expect(ofType("AWS::Lambda::Function")).toHaveLength(routes.length + 3);
    for (const route of routes) {
      expect(byKey.get(`${route.method} ${route.path}`)?.Integration.Type).toBe("AWS_PROXY");
      template.hasResourceProperties("AWS::Lambda::Function", {
        Description: `${route.method} ${route.path}`,
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        Timeout: Match.anyValue(),
      });
    }
    const proxies = [...byKey.values()].filter((method) => method.Integration.Type === "AWS_PROXY");
    expect(proxies).toHaveLength(routes.length);
  });

  it("keeps every function's timeout below API Gateway's 29 s, but the reconciler's (scheduled, 60 s)", () => {
    const reconciler = stack.getLogicalId(stack.reconciler.function.node.defaultChild as never);
    for (const [id, fn] of ofType("AWS::Lambda::Function")) {
      if (id === reconciler) expect(fn.Properties.Timeout).toBe(60);
      else expect(Number(fn.Properties.Timeout)).toBeLessThan(29 + 2);
    }
  });

  it.each(routes.map((route) => [route.id, route] as const))(
    "grants %s only the table access its route-table entry declares",
    (_, route) => {
      const actions = tableActionsOf(route);
      const access = { IdempotencyTable: route.access.idempotency, DataTable: route.access.data };

      for (const [table, declared] of Object.entries(access)) {
        const granted = actions.get(table) ?? new Set<string>();
        if (declared === "none") expect([...granted]).toEqual([]);
        if (declared === "read") {
          expect(granted.has("dynamodb:GetItem")).toBe(true);
          for (const write of WRITES) expect(granted.has(write)).toBe(false);
        }
        if (declared === "write") {
          for (const write of WRITES) expect(granted.has(write)).toBe(true);
        }
      }
    },
  );

  it("lets API Gateway invoke each function from its own method only", () => {
    const permissions = ofType("AWS::Lambda::Permission").map(([, permission]) =>
      JSON.stringify(permission.Properties.SourceArn),
    );
    expect(permissions).toHaveLength(routes.length);
    for (const sourceArn of permissions) expect(sourceArn).not.toContain("test-invoke-stage");
  });

  it("puts the Cognito authorizer, for access tokens, on exactly the authenticated routes", () => {
    const byKey = methods();
    for (const route of routes) {
      const method = byKey.get(`${route.method} ${route.path}`);
      expect([route.id, method?.AuthorizationType]).toEqual([
        route.id,
        route.authenticated ? "COGNITO_USER_POOLS" : "NONE",
      ]);
      if (route.authenticated) {
        expect(method?.AuthorizationScopes).toEqual(["aws.cognito.signin.user.admin"]);
      }
    }
    const authorized = [...byKey.values()].filter(
      (method) => (method.AuthorizationType ?? "NONE") !== "NONE",
    );
    expect(authorized).toHaveLength(routes.filter((route) => route.authenticated).length);
    expect(routes.filter((route) => !route.authenticated).map((route) => route.id)).toEqual([
      "processorWebhook",
      "health",
      "liveness",
      "openApi",
      "docs",
      "docsScript",
      "docsStyle",
    ]);
    template.resourceCountIs("AWS::ApiGateway::Authorizer", 1);
    template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "COGNITO_USER_POOLS",
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 0,
    });
  });

  it("serves the API reference page, its script and its stylesheet without a token, from functions without table access", () => {
    const byKey = methods();
    for (const routeKey of ["GET /docs", "GET /docs/swagger-ui.js", "GET /docs/swagger-ui.css"]) {
      expect([routeKey, byKey.get(routeKey)?.AuthorizationType ?? "NONE"]).toEqual([
        routeKey,
        "NONE",
      ]);
      template.hasResourceProperties("AWS::Lambda::Function", {
        Description: routeKey,
        Runtime: "nodejs24.x",
      });
    }
    for (const id of ["docs", "docsScript", "docsStyle"] as const) {
      const route = routes.find((candidate) => candidate.id === id);
      expect(route && tableActionsOf(route)).toEqual(new Map());
    }
  });

  it("answers liveness without a token, from a function with no DynamoDB permission at all", () => {
    const fn = stack.api.functions.get("liveness");
    const roleId = fn && stack.getLogicalId(fn.role?.node.defaultChild as never);
    const actions = ofType("AWS::IAM::Policy")
      .filter(([, policy]) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
      )
      .flatMap(([, policy]) =>
        (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap(
          (statement) => [statement.Action].flat(),
        ),
      );

    expect(methods().get("GET /health/live")?.AuthorizationType).toBe("NONE");
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.startsWith("dynamodb:"))).toEqual([]);
    expect(
      ofType("AWS::Lambda::Function").filter(
        ([, candidate]) => candidate.Properties.Description === "GET /health/live",
      ),
    ).toHaveLength(1);
  });

  it.each(Object.entries(gatewayResponseProblems))(
    "answers the gateway response %s as the contract's problem+json",
    (type, problem) => {
      const [[, response] = []] = ofType("AWS::ApiGateway::GatewayResponse").filter(
        ([, candidate]) => candidate.Properties.ResponseType === type,
      );
      const properties = response?.Properties ?? {};
      const headers = properties.ResponseParameters as Record<string, string>;
      const templates = properties.ResponseTemplates as Record<string, string>;
      const body = JSON.parse(templates["application/json"] ?? "{}") as Record<string, unknown>;

      expect(properties.StatusCode).toBe(String(problem.statusCode));
      expect(headers["gatewayresponse.header.Content-Type"]).toBe("'application/problem+json'");
      expect(headers["gatewayresponse.header.X-Content-Type-Options"]).toBe("'nosniff'");
      expect(headers["gatewayresponse.header.Cache-Control"]).toBe("'no-store'");
      expect(body).toMatchObject({
        type: `https://payments.example.com/problems/${problem.statusCode === 500 ? "internal-error" : problem.slug}`,
        status: problem.statusCode,
        title: expect.any(String),
        detail: expect.any(String),
      });
    },
  );

  it.each([
    ["UNAUTHORIZED", 401, "unauthorized", { "WWW-Authenticate": "'Bearer'" }],
    ["MISSING_AUTHENTICATION_TOKEN", 404, "not-found", {}],
    ["RESOURCE_NOT_FOUND", 404, "not-found", {}],
    ["THROTTLED", 429, "rate-limited", { "Retry-After": "'1'" }],
    ["REQUEST_TOO_LARGE", 413, "payload-too-large", {}],
    ["ACCESS_DENIED", 403, "forbidden", {}],
    ["INTEGRATION_TIMEOUT", 504, "gateway-timeout", {}],
    ["DEFAULT_4XX", 400, "bad-request", {}],
    ["DEFAULT_5XX", 500, "internal-error", {}],
  ])("answers %s with %i %s", (type, status, slug, headers) => {
    template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
      ResponseType: type,
      StatusCode: String(status),
      ResponseParameters: Match.objectLike(
        Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [`gatewayresponse.header.${name}`, value]),
        ),
      ),
      ResponseTemplates: {
        "application/json": Match.stringLikeRegexp(`/problems/${slug}"`),
      },
    });
  });

  it("keeps internals out of the 5xx gateway responses", () => {
    for (const [, response] of ofType("AWS::ApiGateway::GatewayResponse")) {
      const body = JSON.stringify(response.Properties.ResponseTemplates);
      expect(body).not.toMatch(/\$context\.error|\$context\.authorizer/);
    }
  });

  it("answers CORS preflights (OPTIONS) on every path of a route, from a mock, with the policy's headers", () => {
    const byKey = methods();
    const policy = corsPolicy();
    for (const path of routePaths) {
      const options = byKey.get(`OPTIONS ${path}`);
      expect([path, options?.Integration.Type, options?.AuthorizationType]).toEqual([
        path,
        "MOCK",
        "NONE",
      ]);
    }
    template.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "OPTIONS",
      Integration: Match.objectLike({
        ContentHandling: "CONVERT_TO_TEXT",
        IntegrationResponses: [
          Match.objectLike({
            StatusCode: "204",
            ResponseParameters: Match.objectLike({
              "method.response.header.Access-Control-Allow-Origin": "'*'",
              "method.response.header.Access-Control-Allow-Headers": `'${policy.allowHeaders.join(", ")}'`,
              "method.response.header.Access-Control-Max-Age": `'${policy.maxAgeSeconds}'`,
            }),
          }),
        ],
      }),
    });
    expect(policy.allowHeaders).toEqual([
      "authorization",
      "content-type",
      "idempotency-key",
      "if-match",
    ]);
    expect(policy.exposeHeaders).toEqual([
      "location",
      "etag",
      "idempotent-replayed",
      "retry-after",
    ]);
  });

  it("echoes one of several configured origins in the preflight and tells the functions", () => {
    const origins = ["https://a.example.com", "https://b.example.com"];
    const strict = synthStack({ corsAllowOrigins: origins }).template;

    strict.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "OPTIONS",
      Integration: Match.objectLike({
        IntegrationResponses: [
          Match.objectLike({
            ResponseTemplates: {
              "application/json": Match.stringLikeRegexp('\\$origin == "https://b.example.com"'),
            },
          }),
        ],
      }),
    });
    strict.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ CORS_ALLOW_ORIGINS: origins.join(",") }) },
    });
  });

  it("answers 405 from a mock for the methods a path has no route for", () => {
    const byKey = methods();
    for (const path of routePaths) {
      expect(byKey.get(`ANY ${path}`)?.Integration.Type).toBe("MOCK");
    }
  });

  it("hands every body to the functions as bytes (binary media type */*)", () => {
    template.hasResourceProperties("AWS::ApiGateway::RestApi", { BinaryMediaTypes: ["*/*"] });
  });

  it("throttles, traces and logs access as JSON on the stage", () => {
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          ResourcePath: "/*",
          HttpMethod: "*",
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        }),
      ],
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
    const [[, stage] = []] = ofType("AWS::ApiGateway::Stage");
    const settings = stage?.Properties.AccessLogSetting as { Format: string } | undefined;
    const format = settings?.Format ?? "";
    // Every field present, and the line is JSON once API Gateway fills in the values.
    const sample = JSON.parse(format.replace(/\$context\.[\w.]+/g, "1")) as Record<string, unknown>;
    expect(Object.keys(sample)).toEqual(Object.keys(ACCESS_LOG_FIELDS));
    for (const variable of [
      "$context.requestId",
      "$context.resourcePath",
      "$context.status",
      "$context.responseLatency",
      "$context.integration.latency",
      "$context.integration.status",
      "$context.integration.error",
      "$context.authorizer.error",
      "$context.identity.sourceIp",
      "$context.identity.userAgent",
    ]) {
      expect(format).toContain(variable);
    }
  });

  it("feeds only outbox inserts of the data table's stream to the publisher, with partial failures and a DLQ", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("DataTable"), "StreamArn"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      StartingPosition: "TRIM_HORIZON",
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT"],
              dynamodb: { NewImage: { kind: { S: ["outbox"] } } },
            }),
          },
        ],
      },
      DestinationConfig: {
        OnFailure: {
          Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("DeadLetterQueue"), "Arn"] },
        },
      },
    });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "events:PutEvents",
            Resource: { "Fn::GetAtt": [Match.stringLikeRegexp("Bus"), "Arn"] },
          }),
        ]),
      },
    });
  });

  it("creates a Cognito user pool and outputs what a client needs", () => {
    template.resourceCountIs("AWS::Cognito::UserPool", 1);
    for (const output of ["ApiUrl", "EventBusName", "UserPoolId", "UserPoolClientId"]) {
      template.hasOutput(output, {});
    }
  });

  it("uses a Lambda TOKEN authorizer for an external issuer instead of Cognito", () => {
    const external = synthStack({
      externalIssuer: { issuer: "https://issuer.example.com", audience: ["payments", "other"] },
    }).template;

    external.resourceCountIs("AWS::Cognito::UserPool", 0);
    external.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "TOKEN",
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 0,
    });
    external.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          JWT_ISSUER: "https://issuer.example.com",
          JWT_AUDIENCE: "payments,other",
        }),
      },
    });
    external.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "POST",
      AuthorizationType: "CUSTOM",
    });
  });
});
