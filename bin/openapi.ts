import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createOpenApiDocument } from "../functions/api-docs/openapi-document";

// `npm run openapi`: regenerates the committed OpenAPI document from the zod
// schemas. A unit test fails when the committed copy drifts from them.
const target = join(__dirname, "..", "functions", "api-docs", "openapi.json");
writeFileSync(target, `${JSON.stringify(createOpenApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
