import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

describe("the committed OpenAPI document", () => {
  it("passes redocly lint with the recommended rules: no error, no warning", () => {
    // redocly.yaml at the root: the recommended rules, telemetry off.
    const lint = spawnSync(
      join(ROOT, "node_modules", ".bin", "redocly"),
      ["lint", "functions/api-docs/openapi.json", "--format", "stylish"],
      {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
      },
    );
    const output = `${lint.stdout}\n${lint.stderr}`;

    // Asserting on one string keeps redocly's report in the failure message.
    expect({ status: lint.status, output }).toEqual({
      status: 0,
      output: expect.stringContaining("Your API description is valid"),
    });
    expect(output).not.toMatch(/\b\d+ warnings?\b/);
  }, 60_000);
});
