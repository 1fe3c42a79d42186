import { writeFileSync } from "node:fs";
import { generateSchemaSource, SCHEMA_FILE } from "../sdk/codegen/schema-source";

// `npm run sdk:schema`: regenerates the SDK's types from the committed OpenAPI
// document (run it after `npm run openapi`). A unit test fails when they drift.
writeFileSync(SCHEMA_FILE, generateSchemaSource());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
