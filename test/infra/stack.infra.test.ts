import { Match } from "aws-cdk-lib/assertions";
import { type RouteDefinition, routes } from "../../functions/routes";
import { synthStack } from "./synth";

type Resource = { Type: string; Properties: Record<string, unknown> };
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

describe("the stack", () => {
  it("deploys one function and one route per route-table entry, plus the outbox publisher", () => {
    expect(ofType("AWS::Lambda::Function")).toHaveLength(routes.length + 1);
    expect(ofType("AWS::ApiGatewayV2::Route")).toHaveLength(routes.length);
    for (const route of routes) {
      template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
        RouteKey: `${route.method} ${route.path}`,
      });
      template.hasResourceProperties("AWS::Lambda::Function", {
        Description: `${route.method} ${route.path}`,
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        Timeout: Match.anyValue(),
      });
    }
  });

  it("keeps every function's timeout below API Gateway's 29 s", () => {
    for (const [, fn] of ofType("AWS::Lambda::Function")) {
      expect(Number(fn.Properties.Timeout)).toBeLessThan(29 + 2);
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

  it("puts the JWT authorizer on every route but health, the OpenAPI document and its reference page", () => {
    for (const route of routes) {
      const [, resource] =
        ofType("AWS::ApiGatewayV2::Route").find(
          ([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`,
        ) ?? [];
      const authorization = resource?.Properties.AuthorizationType ?? "NONE";
      expect([route.id, authorization]).toEqual([route.id, route.authenticated ? "JWT" : "NONE"]);
    }
    expect(routes.filter((route) => !route.authenticated).map((route) => route.id)).toEqual([
      "health",
      "openApi",
      "docs",
      "docsScript",
    ]);
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.anyValue() },
    });
  });

  it("serves the API reference page and its script without a token, from functions without table access", () => {
    for (const routeKey of ["GET /docs", "GET /docs/scalar.js"]) {
      const [, route] =
        ofType("AWS::ApiGatewayV2::Route").find(([, r]) => r.Properties.RouteKey === routeKey) ??
        [];
      expect([routeKey, route?.Properties.AuthorizationType ?? "NONE"]).toEqual([routeKey, "NONE"]);
      template.hasResourceProperties("AWS::Lambda::Function", {
        Description: routeKey,
        Runtime: "nodejs24.x",
      });
    }
    for (const id of ["docs", "docsScript"] as const) {
      const route = routes.find((candidate) => candidate.id === id);
      expect(route && tableActionsOf(route)).toEqual(new Map());
    }
  });

  it("throttles the default route and logs access on the $default stage", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
  });

  it("allows browsers to send the idempotency headers and read the replay headers (CORS)", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({
        AllowHeaders: Match.arrayWith(["authorization", "idempotency-key", "if-match"]),
        ExposeHeaders: Match.arrayWith(["location", "etag", "idempotent-replayed"]),
      }),
    });
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

  it("alarms on 5xx rate, dead letters, function errors and throttles, and has a dashboard", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm").map(([id]) => id);
    for (const name of [
      "ServerErrorRate",
      "DeadLetters",
      "FunctionErrors1",
      "FunctionThrottles1",
    ]) {
      expect(alarms.some((id) => id.includes(name))).toBe(true);
    }
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("creates a Cognito user pool and outputs what a client needs", () => {
    template.resourceCountIs("AWS::Cognito::UserPool", 1);
    for (const output of ["ApiUrl", "EventBusName", "UserPoolId", "UserPoolClientId"]) {
      template.hasOutput(output, {});
    }
  });

  it("uses an external issuer instead of Cognito when given one", () => {
    const external = synthStack({
      externalIssuer: { issuer: "https://issuer.example.com", audience: ["payments"] },
    }).template;

    external.resourceCountIs("AWS::Cognito::UserPool", 0);
    external.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      JwtConfiguration: { Issuer: "https://issuer.example.com", Audience: ["payments"] },
    });
  });
});
