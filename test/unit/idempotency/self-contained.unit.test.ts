import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");
const BIOME = join(ROOT, "node_modules", ".bin", "biome");

/**
 * Lints `source` as the file at `path`, with the project's own Biome
 * configuration, in a copy of the tree's shape outside the checkout (so a
 * probe can never be left in the real folder).
 */
function lintAs(path: string, source: string) {
  const sandbox = mkdtempSync(join(tmpdir(), "lint-probe-"));
  try {
    const config = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8"));
    // No git here: the copy lints the probe alone.
    writeFileSync(
      join(sandbox, "biome.json"),
      JSON.stringify({ ...config, $schema: undefined, vcs: { enabled: false } }),
    );
    mkdirSync(dirname(join(sandbox, path)), { recursive: true });
    writeFileSync(join(sandbox, path), `${source}\n`);
    const result = spawnSync(BIOME, ["lint", path], { cwd: sandbox, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}

describe("functions/idempotency imports nothing else of the project (the lint rule)", () => {
  it.each([
    ["functions/idempotency/index.ts", 'export { routes } from "../routes";'],
    [
      "functions/idempotency/core/probe.ts",
      'export { problems } from "../../shared/http/problem-types";',
    ],
    ["functions/idempotency/http/probe.ts", 'export { newId } from "../../domain/primitives";'],
  ])("fails a file at %s that imports from outside the folder", (path, source) => {
    const linted = lintAs(path, source);

    expect(linted.status).not.toBe(0);
    expect(linted.output).toContain("noRestrictedImports");
  });

  it.each([
    ["functions/idempotency/index.ts", 'export { decide } from "./core/decide";'],
    ["functions/idempotency/http/probe.ts", 'export { decide } from "../core/decide";'],
    ["functions/idempotency/core/probe.ts", 'export { marshall } from "@aws-sdk/util-dynamodb";'],
  ])("passes a file at %s that imports within the folder or a package", (path, source) => {
    expect(lintAs(path, source).status).toBe(0);
  });
});
