import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  createOpenApiDocument,
  documentedRoutes,
} from "../../../functions/api-docs/openapi-document";
import { isIdempotent, routes } from "../../../functions/routes";

type Reference = { $ref: string };
type Header = { required?: boolean };
type Response = { headers?: Record<string, Header>; content?: Record<string, unknown> };
type Operation = {
  operationId: string;
  parameters?: Array<Reference | { in: string; name: string; required?: boolean }>;
  requestBody?: unknown;
  responses: Record<string, Response>;
  security?: unknown[];
};
type SchemaObject = { type?: string; additionalProperties?: unknown; properties?: object };

const generated = createOpenApiDocument();
const operations = Object.values(generated.paths ?? {}).flatMap((item) =>
  Object.values(item as Record<string, Operation>),
);
const operation = (id: string): Operation => {
  const found = operations.find((candidate) => candidate.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
};
const schemas = (generated.components?.schemas ?? {}) as Record<string, SchemaObject>;
const routeCases = documentedRoutes.map((route) => [route.id, route] as const);

describe("the OpenAPI document", () => {
  it("is the committed functions/api-docs/openapi.json (run `npm run openapi` after a schema change)", () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, "../../../functions/api-docs/openapi.json"), "utf8"),
    );

    expect(committed).toEqual(JSON.parse(JSON.stringify(generated)));
  });

  it("documents every route of the route table but the reference page's own, and nothing else", () => {
    expect(documentedRoutes.map((r) => r.id)).toEqual(
      routes
        .map((r) => r.id)
        .filter((id) => id !== "docs" && id !== "docsScript" && id !== "docsStyle"),
    );
    expect(operations.map((op) => op.operationId).sort()).toEqual(
      documentedRoutes.map((r) => r.id).sort(),
    );
    for (const route of documentedRoutes) {
      expect(generated.paths?.[route.path]).toHaveProperty(route.method.toLowerCase());
    }
  });

  it.each(routeCases)(
    "asks %s for the shared Idempotency-Key parameter exactly when the route is idempotent",
    (id, route) => {
      const asksForKey = (operation(id).parameters ?? []).some(
        (parameter) =>
          "$ref" in parameter && parameter.$ref === "#/components/parameters/IdempotencyKey",
      );

      expect(asksForKey).toBe(isIdempotent(route));
    },
  );

  it("declares the Idempotency-Key once, required, with its pattern", () => {
    expect(generated.components?.parameters?.IdempotencyKey).toMatchObject({
      in: "header",
      name: "Idempotency-Key",
      required: true,
      schema: { type: "string", pattern: expect.any(String) },
    });
  });

  it.each(routeCases)("gives %s the statuses of its kind of route", (id, route) => {
    const statuses = Object.keys(operation(id).responses);

    expect(statuses).toEqual(expect.arrayContaining(["429", "500", "504"]));
    expect(statuses.includes("401")).toBe(route.authenticated);
    expect(statuses.includes("422")).toBe(isIdempotent(route));
    const hasBody = operation(id).requestBody !== undefined;
    expect(statuses.includes("413")).toBe(hasBody);
    expect(statuses.includes("415")).toBe(hasBody);
    if (isIdempotent(route)) expect(statuses).toEqual(expect.arrayContaining(["400", "503"]));
  });

  it.each(routeCases)("marks %s's answers as replays only on an idempotent route", (id, route) => {
    const replayable = Object.entries(operation(id).responses)
      .filter(([, response]) => response.headers?.["Idempotent-Replayed"])
      .map(([status]) => status);

    if (!isIdempotent(route)) expect(replayable).toEqual([]);
    else expect(replayable).toEqual(expect.arrayContaining(Object.keys(successOf(id))));
  });

  it.each(routeCases)(
    "sends Cache-Control: no-store on %s's answers exactly when the route is authenticated",
    (id, route) => {
      for (const response of Object.values(successOf(id))) {
        expect(Boolean(response.headers?.["Cache-Control"]?.required)).toBe(route.authenticated);
      }
    },
  );

  it("says on 401 how to authenticate and on 503 when to come back", () => {
    for (const op of operations) {
      if (op.responses["401"]) {
        expect(op.responses["401"].headers?.["WWW-Authenticate"]?.required).toBe(true);
      }
      if (op.responses["503"]) {
        expect(op.responses["503"].headers?.["Retry-After"]?.required).toBe(true);
      }
      expect(op.responses["429"]?.headers).toHaveProperty("Retry-After");
    }
  });

  it("names the 409 problems each write can really give", () => {
    const conflictSlugs = (id: string) =>
      Object.keys(
        (
          operation(id).responses["409"]?.content?.["application/problem+json"] as {
            examples?: object;
          }
        )?.examples ?? {},
      ).sort();

    expect(conflictSlugs("createAccount")).toEqual([]);
    expect(conflictSlugs("createTransfer")).toEqual([
      "balance-limit-exceeded",
      "currency-mismatch",
      "insufficient-funds",
    ]);
    expect(conflictSlugs("payOrder")).toEqual([
      "currency-mismatch",
      "idempotency-key-in-progress",
      "insufficient-funds",
      "invalid-state-transition",
      "order-already-paid",
      "payment-in-progress",
    ]);
    // A commit route's duplicate in flight is a replay, never a 409; a lease
    // route (its effects leave DynamoDB: the card routes) says "in progress".
    for (const route of routes.filter((candidate) => candidate.idempotency !== null)) {
      const slugs = conflictSlugs(route.id);
      if (route.idempotency === "lease") expect(slugs).toContain("idempotency-key-in-progress");
      else expect(slugs).not.toContain("idempotency-key-in-progress");
    }
  });

  it("names every resource, request and problem, and keeps answers open and requests strict", () => {
    for (const name of [
      "Account",
      "LedgerEntry",
      "LedgerPage",
      "Deposit",
      "Transfer",
      "Order",
      "Payment",
      "Refund",
      "IssuedKey",
      "Problem",
    ]) {
      expect(schemas[name]).toBeDefined();
      expect(schemas[name]).not.toHaveProperty("additionalProperties");
    }
    for (const name of [
      "CreateAccountRequest",
      "CreateDepositRequest",
      "CreateTransferRequest",
      "CreateOrderRequest",
      "UpdateOrderRequest",
      "PayOrderRequest",
      "RefundOrderRequest",
    ]) {
      expect(schemas[name]).toMatchObject({ type: "object", additionalProperties: false });
    }
    for (const op of operations) {
      for (const response of Object.values(op.responses)) {
        for (const media of Object.values(response.content ?? {})) {
          expect((media as { schema: unknown }).schema).toEqual({
            $ref: expect.stringMatching(/^#\/components\/schemas\//),
          });
        }
      }
    }
  });

  it("types every timestamp as date-time and every id as a ULID", () => {
    expect(schemas.Order?.properties).toMatchObject({
      id: { pattern: "^[0-9A-HJKMNP-TV-Z]{26}$" },
      createdAt: { type: "string", format: "date-time" },
      updatedAt: { type: "string", format: "date-time" },
    });
    expect(schemas.IssuedKey?.properties).toMatchObject({ expiresAt: { format: "date-time" } });
  });

  it("leaves health, liveness and the document itself outside the authorizer", () => {
    expect(operation("health").security).toEqual([]);
    expect(operation("liveness").security).toEqual([]);
    expect(operation("openApi").security).toEqual([]);
    expect(operation("createDeposit").security).toBeUndefined();
    expect(generated.security).toEqual([{ bearer: [] }]);
  });

  it("lists the local and the deployed servers, and the license", () => {
    expect(generated.servers?.map((server) => server.url)).toEqual([
      "http://127.0.0.1:3000",
      "https://{apiId}.execute-api.{region}.amazonaws.com",
    ]);
    expect(generated.info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });
});

function successOf(id: string): Record<string, Response> {
  return Object.fromEntries(
    Object.entries(operation(id).responses).filter(([status]) => status.startsWith("2")),
  );
}
