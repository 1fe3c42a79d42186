import { execFile } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { routes } from "../../functions/routes";
import { localAwsEnvironment } from "../../lib/local/dynamodb-local";
import { benchTables } from "../support/bench-database";
import { kib, markdownTable, ms, ratio, spread } from "../support/markdown";
import { progress } from "../support/progress";
import { median } from "../support/statistics";
import type { BenchSection } from "./section";

const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");
/** Inside the project, so the bundles find `@aws-sdk/*` in node_modules as Lambda finds its own. */
const OUT_DIR = join(ROOT, ".local", "bench-bundles");
/** A multiple of the number of builds: each holds each position in the rotation equally often. */
const DEPOSIT_IMPORTS = 8;
const ROUTE_IMPORTS = 3;

interface Build {
  readonly name: string;
  readonly entry: string;
}

/** The variants' deposit functions; the first is the baseline. */
const depositBuilds: readonly Build[] = [
  { name: "no idempotency", entry: "bench/cold-start/create-deposit.no-idempotency.handler.ts" },
  {
    name: "this project, commit (as deployed)",
    entry: "functions/accounts/create-deposit.handler.ts",
  },
  { name: "this project, lease", entry: "bench/cold-start/create-deposit.lease.handler.ts" },
  { name: "Powertools", entry: "bench/cold-start/create-deposit.powertools.handler.ts" },
];

/**
 * Section 8: each function bundled as the CDK stack bundles it (esbuild,
 * Node 24, CommonJS, minified, the AWS SDK left to the runtime), then
 * required in a fresh Node process: the part of a cold start the code owns.
 */
export const coldStart: BenchSection = {
  title: "Cold start: bundle size and import time",
  async run() {
    rmSync(OUT_DIR, { recursive: true, force: true });
    mkdirSync(OUT_DIR, { recursive: true });

    const bundles: { name: string; file: string; bytes: number; times: number[] }[] = [];
    for (const { name, entry } of depositBuilds) {
      progress(`cold start: bundling ${name}`);
      bundles.push({ name, ...(await bundle(entry)), times: [] });
    }
    // Rounds import every bundle once, in an order rotated by one each round.
    for (let round = 0; round < DEPOSIT_IMPORTS; round += 1) {
      progress(`cold start: deposit imports, round ${round + 1}/${DEPOSIT_IMPORTS}`);
      for (let turn = 0; turn < bundles.length; turn += 1) {
        const measured = bundles[(turn + round) % bundles.length];
        measured?.times.push(await importMs(measured.file));
      }
    }
    const [baseline] = bundles;
    const depositRows = bundles.map(({ name, bytes, times }) => [
      name,
      kib(bytes),
      ratio(bytes, baseline?.bytes ?? 0),
      ms(median(times)),
      spread(times),
      ratio(median(times), median(baseline?.times ?? [])),
    ]);

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
      `The deposit route four ways (import time: median of ${DEPOSIT_IMPORTS} fresh processes, one per`,
      "round, the builds in an order rotated each round; the lease build is the bench's",
      "composition of the same route, as the Powertools and baseline builds are):",
      "",
      markdownTable(
        ["build", "bundle", "vs none", "import time", "min–max (ms)", "vs none"],
        depositRows,
      ),
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
  const { file, bytes } = await bundle(entry);
  const times: number[] = [];
  for (let index = 0; index < imports; index += 1) times.push(await importMs(file));
  return { bytes, importMs: median(times) };
}

/** The entry bundled as the stack bundles it; its file and size. */
async function bundle(entry: string): Promise<{ file: string; bytes: number }> {
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
  return { file: outfile, bytes: statSync(outfile).size };
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
