import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const ROOT = join(__dirname, "..", "..");
export const OPENAPI_DOCUMENT = join(ROOT, "functions", "api-docs", "openapi.json");
export const SCHEMA_FILE = join(ROOT, "sdk", "schema.d.ts");

/**
 * The SDK's types, as openapi-typescript prints them from the committed
 * OpenAPI document. Its CLI runs as a child process: it is ESM, and it needs
 * the TypeScript 5 compiler API, which this folder's package.json gives it.
 */
export function generateSchemaSource(): string {
  const resolve = createRequire(join(__dirname, "package.json")).resolve;
  const cli = join(dirname(resolve("openapi-typescript/package.json")), "bin", "cli.js");
  const run = spawnSync(process.execPath, [cli, OPENAPI_DOCUMENT], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.status !== 0) {
    throw new Error(`openapi-typescript failed (${run.status ?? run.signal}):\n${run.stderr}`);
  }
  return run.stdout;
}
