import { readFileSync } from "node:fs";
import { createPaymentsClient } from "../../../sdk";
import { OPERATIONS_NOT_FOR_CLIENTS } from "../../../sdk/client";
import {
  generateSchemaSource,
  OPENAPI_DOCUMENT,
  SCHEMA_FILE,
} from "../../../sdk/codegen/schema-source";

type OpenApi = { paths: Record<string, Record<string, { operationId: string }>> };

describe("the SDK and the OpenAPI document", () => {
  it("types the SDK from the committed document (run `npm run openapi` after a change)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(generateSchemaSource());
  }, 60_000);

  it("has one method per operation a client calls, named as its operationId", () => {
    const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT, "utf8")) as OpenApi;
    const operationIds = Object.values(document.paths)
      .flatMap((item) => Object.values(item).map((operation) => operation.operationId))
      .filter((id) => !OPERATIONS_NOT_FOR_CLIENTS.includes(id));
    const client = createPaymentsClient({ baseUrl: "http://api.test" });

    expect(Object.keys(client).sort()).toEqual(operationIds.sort());
  });
});
