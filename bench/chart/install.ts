import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { progress } from "../support/progress";

/** bench/chart/: a package of its own, outside the root install (see its package.json). */
export const CHART_PACKAGE = __dirname;

const manifestSchema = z.object({ dependencies: z.record(z.string(), z.string()) });
const installedSchema = z.object({ version: z.string() });

/**
 * Installs bench/chart's packages (vega, vega-lite) from its lockfile, into
 * bench/chart/node_modules, unless each is already there at the version its
 * package.json pins: the first `npm run bench` of a checkout installs them,
 * and so does the first after a version changes. Install scripts are off:
 * none of these packages has one. npm's output goes to stderr, so that
 * stdout keeps the Markdown alone.
 */
export function installChartPackages(): void {
  const manifest = manifestSchema.parse(
    JSON.parse(readFileSync(join(CHART_PACKAGE, "package.json"), "utf8")),
  );
  const missing = Object.entries(manifest.dependencies).filter(
    ([name, version]) => installedVersion(name) !== version,
  );
  if (missing.length === 0) return;
  progress(`installing ${missing.map(([name]) => name).join(", ")} into bench/chart/node_modules`);
  // Under `npm run`, the same npm that runs the bench; else the one on PATH.
  const npm = process.env.npm_execpath;
  const args = ["ci", "--prefix", CHART_PACKAGE, "--ignore-scripts", "--no-audit", "--no-fund"];
  const run = npm
    ? spawnSync(process.execPath, [npm, ...args], { stdio: ["ignore", 2, 2] })
    : spawnSync("npm", args, { stdio: ["ignore", 2, 2] });
  if (run.status !== 0) {
    throw new Error(
      `npm ci --prefix bench/chart failed (${run.error?.message ?? run.status ?? run.signal})`,
    );
  }
}

function installedVersion(name: string): string | undefined {
  const file = join(CHART_PACKAGE, "node_modules", name, "package.json");
  if (!existsSync(file)) return undefined;
  return installedSchema.parse(JSON.parse(readFileSync(file, "utf8"))).version;
}
