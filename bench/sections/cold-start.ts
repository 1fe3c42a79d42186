import { execFile } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { routes } from "../../functions/routes";
import { localAwsEnvironment } from "../../lib/local/dynamodb-local";
import { benchTables } from "../support/bench-database";
import { kib, markdownTable, ms, ratio } from "../support/markdown";
import { progress } from "../support/progress";
import { median } from "../support/statistics";
import type { BenchSection } from "./section";

const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");
/** Inside the project, so the bundles find `@aws-sdk/*` in node_modules as Lambda finds its own. */
const OUT_DIR = join(ROOT, ".local", "bench-bundles");
const DEPOSIT_IMPORTS = 7;
const ROUTE_IMPORTS = 3;

interface Build {
  readonly name: string;
  readonly entry: string;
}

const depositBuilds: readonly Build[] = [
  { name: "no idempotency", entry: "bench/cold-start/create-deposit.no-idempotency.handler.ts" },
  { name: "this project (as deployed)", entry: "functions/accounts/create-deposit.handler.ts" },
  { name: "Powertools", entry: "bench/cold-start/create-deposit.powertools.handler.ts" },
];

/**
 * Section 6: each function bundled as the CDK stack bundles it (esbuild,
 * Node 24, CommonJS, minified, the AWS SDK left to the runtime), then
 * required in a fresh Node process: the part of a cold start the code owns.
 */
export const coldStart: BenchSection = {
  title: "Cold start: bundle size and import time",
  async run() {
    rmSync(OUT_DIR, { recursive: true, force: true });
    mkdirSync(OUT_DIR, { recursive: true });

    const depositRows: string[][] = [];
    let baseline = { bytes: 0, importMs: 0 };
    for (const { name, entry } of depositBuilds) {
      progress(`cold start: ${name}`);
      const measured = await measure(entry, DEPOSIT_IMPORTS);
      if (depositRows.length === 0) baseline = measured;
      depositRows.push([
        name,
        kib(measured.bytes),
        ratio(measured.bytes, baseline.bytes),
        ms(measured.importMs),
        ratio(measured.importMs, baseline.importMs),
      ]);
    }

    const routeRows: string[][] = [];
    for (const route of routes) {
      progress(`cold start: route ${route.id}`);
      const measured = await measure(`functions/${route.entry}`, ROUTE_IMPORTS);
      routeRows.push([
        `${route.method} ${route.path}`,
        route.idempotency ?? "no",
        kib(measured.bytes),
        ms(measured.importMs),
      ]);
    }
    return [
      `The deposit route three ways (import time: median of ${DEPOSIT_IMPORTS} fresh processes):`,
      "",
      markdownTable(["build", "bundle", "vs none", "import time", "vs none"], depositRows),
      "",
      `Every route as deployed (median of ${ROUTE_IMPORTS} fresh processes):`,
      "",
      markdownTable(["route", "idempotent", "bundle", "import time"], routeRows),
      "",
      "Import time is `require()` of the bundle in a new Node process on this machine, AWS SDK",
      "included (Lambda's runtime provides it, so it is not in the bundle but is loaded the same way).",
      "It is the code's share of a cold start; Lambda adds its own runtime start.",
    ].join("\n");
  },
};

async function measure(
  entry: string,
  imports: number,
): Promise<{ bytes: number; importMs: number }> {
  const outfile = join(OUT_DIR, `${entry.replace(/[/.]/g, "_")}.js`);
  // As aws-cdk-lib's NodejsFunction bundles for the stack's functions (lib/constructs/api-function.ts).
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: true,
    sourcemap: true,
    external: ["@aws-sdk/*"],
    logLevel: "error",
  });
  const times: number[] = [];
  for (let index = 0; index < imports; index += 1) times.push(await importMs(outfile));
  return { bytes: statSync(outfile).size, importMs: median(times) };
}

/** Milliseconds to require the bundle in a fresh process, measured inside it. */
async function importMs(file: string): Promise<number> {
  const script =
    "const { performance } = require('node:perf_hooks');" +
    "const startedAt = performance.now();" +
    "require(process.argv[1]);" +
    "process.stdout.write(String(performance.now() - startedAt));";
  const { stdout } = await run(process.execPath, ["-e", script, file], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      ...localAwsEnvironment,
      IDEMPOTENCY_TABLE_NAME: benchTables.idempotency,
      DATA_TABLE_NAME: benchTables.data,
      POWERTOOLS_IDEMPOTENCY_TABLE_NAME: benchTables.powertools,
      EVENT_BUS_NAME: "bench-bus",
      // As the stack sets it for every function (lib/constructs/api-function.ts).
      NODE_OPTIONS: "--enable-source-maps",
    },
  });
  return Number(stdout);
}
