import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { DOCS_INITIALIZER } from "../../functions/api-docs/docs-initializer";
import {
  RENDERER_SCRIPT,
  RENDERER_STYLESHEET,
  type RendererFile,
  rendererSourcePath,
} from "../../functions/api-docs/docs-renderer";
import { type RouteId, routeById } from "../../functions/routes";
import { createRouteFunction } from "../../lib/constructs/route-function";

// The docs script's and stylesheet's functions bundled for real (esbuild, as
// `cdk deploy` does), then each bundle run by plain Node from its own folder:
// what Lambda gets must serve Swagger UI's file with nothing else installed.

jest.setTimeout(60_000);

function bundleRouteFunction(id: RouteId): string {
  const app = new App();
  const stack = new Stack(app, "DocsBundle", {
    env: { account: "123456789012", region: "eu-west-1" },
  });
  createRouteFunction(stack, routeById(id), {});
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

const cases: ReadonlyArray<{
  readonly id: RouteId;
  readonly file: RendererFile;
  readonly contentType: string;
  /** What the function answers after the file, if anything. */
  readonly appended: string;
}> = [
  {
    id: "docsScript",
    file: RENDERER_SCRIPT,
    contentType: "text/javascript; charset=utf-8",
    appended: DOCS_INITIALIZER,
  },
  {
    id: "docsStyle",
    file: RENDERER_STYLESHEET,
    contentType: "text/css; charset=utf-8",
    appended: "",
  },
];

describe.each(cases)("the $id function's bundle", ({ id, file, contentType, appended }) => {
  const bundleDir = bundleRouteFunction(id);
  const source = readFileSync(rendererSourcePath(file));

  it(`carries Swagger UI's ${file} next to the handler`, () => {
    expect(readdirSync(bundleDir).sort()).toEqual(["index.js", "index.js.map", file].sort());
    expect(readFileSync(join(bundleDir, file)).equals(source)).toBe(true);
  });

  it("answers that file, as it is or gzipped, when required by plain Node", () => {
    const plain = invokeBundle(bundleDir, {}) as { statusCode: number; body: string };
    const gzipped = invokeBundle(bundleDir, { "accept-encoding": "gzip, br" }) as {
      headers: Record<string, string>;
      isBase64Encoded: boolean;
    };

    expect(plain.statusCode).toBe(200);
    expect(Buffer.from(plain.body).equals(Buffer.concat([source, Buffer.from(appended)]))).toBe(
      true,
    );
    expect(gzipped).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: { "content-encoding": "gzip", "content-type": contentType },
    });
  });
});
