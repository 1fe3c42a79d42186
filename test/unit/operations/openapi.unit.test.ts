import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createOpenApiDocument } from "../../../functions/operations/openapi-document";
import { isIdempotent, routes } from "../../../functions/routes";

type Operation = {
  operationId: string;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  responses: Record<string, unknown>;
  security?: unknown[];
};

const generated = createOpenApiDocument();
const operations = Object.values(generated.paths ?? {}).flatMap((item) =>
  Object.values(item as Record<string, Operation>),
);
const operation = (id: string) => operations.find((candidate) => candidate.operationId === id);

describe("the OpenAPI document", () => {
  it("is the committed functions/operations/openapi.json (run `npm run openapi` after a schema change)", () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, "../../../functions/operations/openapi.json"), "utf8"),
    );

    expect(committed).toEqual(JSON.parse(JSON.stringify(generated)));
  });

  it("documents every route of the route table, and nothing else", () => {
    expect(operations.map((op) => op.operationId).sort()).toEqual(routes.map((r) => r.id).sort());
    for (const route of routes) {
      expect(generated.paths?.[route.path]).toHaveProperty(route.method.toLowerCase());
    }
  });

  it.each(routes.map((route) => [route.id, route] as const))(
    "asks %s for an Idempotency-Key exactly when the route is idempotent",
    (id, route) => {
      const keyParameter = operation(id)?.parameters?.find(
        (parameter) => parameter.in === "header" && parameter.name === "idempotency-key",
      );

      expect(Boolean(keyParameter?.required)).toBe(isIdempotent(route));
      if (isIdempotent(route))
        expect(Object.keys(operation(id)?.responses ?? {})).toEqual(
          expect.arrayContaining(["409", "422", "503"]),
        );
    },
  );

  it("leaves health and the document itself outside the authorizer", () => {
    expect(operation("health")?.security).toEqual([]);
    expect(operation("openApi")?.security).toEqual([]);
    expect(operation("createDeposit")?.security).toBeUndefined();
    expect(generated.security).toEqual([{ bearer: [] }]);
  });
});
