import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { rendererSourcePath } from "../../functions/operations/docs-renderer";
import { routeById } from "../../functions/routes";
import { createRouteFunction } from "../../lib/constructs/route-function";

// The docs script's function bundled for real (esbuild, as `cdk deploy`
// does), then its bundle run by plain Node from its own folder: what Lambda
// gets must serve Scalar's script with nothing else installed.

jest.setTimeout(60_000);

function bundleDocsScriptFunction(): string {
  const app = new App();
  const stack = new Stack(app, "DocsBundle", {
    env: { account: "123456789012", region: "eu-west-1" },
  });
  createRouteFunction(stack, routeById("docsScript"), {});
  const { directory } = app.synth();
  const assets = readdirSync(directory).filter((name) => name.startsWith("asset."));
  expect(assets).toHaveLength(1);
  return join(directory, assets[0] ?? "");
}

/** Requires the bundle in a fresh Node process and calls its handler, as Lambda would. */
function invokeBundle(bundleDir: string, headers: Record<string, string>): unknown {
  const script = `require("./index.js").handler(
    { headers: ${JSON.stringify(headers)}, requestContext: { requestId: "r" } },
    { awsRequestId: "a" },
  ).then((answer) => process.stdout.write(JSON.stringify(answer)));`;
  return JSON.parse(
    execFileSync(process.execPath, ["-e", script], {
      cwd: bundleDir,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      // Its logs and EMF metrics go to stdout too, as on Lambda: only the answer is wanted.
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true" },
    }),
  );
}

describe("the docs script function's bundle", () => {
  const bundleDir = bundleDocsScriptFunction();
  const expected = readFileSync(rendererSourcePath());

  it("carries Scalar's standalone script next to the handler", () => {
    expect(readdirSync(bundleDir).sort()).toEqual([
      "index.js",
      "index.js.map",
      "scalar-api-reference.js",
    ]);
    expect(readFileSync(join(bundleDir, "scalar-api-reference.js")).equals(expected)).toBe(true);
  });

  it("answers that script, as it is or gzipped, when required by plain Node", () => {
    const plain = invokeBundle(bundleDir, {}) as { statusCode: number; body: string };
    const gzipped = invokeBundle(bundleDir, { "accept-encoding": "gzip, br" }) as {
      headers: Record<string, string>;
      isBase64Encoded: boolean;
    };

    expect(plain.statusCode).toBe(200);
    expect(Buffer.from(plain.body).equals(expected)).toBe(true);
    expect(gzipped).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: { "content-encoding": "gzip", "content-type": "text/javascript; charset=utf-8" },
    });
  });
});
