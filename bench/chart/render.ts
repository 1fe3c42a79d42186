import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { HeadlinesFile } from "../support/headlines";
import { headlinesFileSchema } from "../support/headlines";
import { progress } from "../support/progress";
import { CHART_PACKAGE, installChartPackages } from "./install";
import { headlinesChartSpec } from "./spec";

const BENCH = join(__dirname, "..");
export const HEADLINES_JSON = join(BENCH, "headlines.json");
export const HEADLINES_SVG = join(BENCH, "headlines.svg");

/** The little of vega and vega-lite used here: their types are not in the root install. */
interface ChartLibraries {
  readonly compile: (spec: unknown) => { readonly spec: unknown };
  readonly vega: {
    readonly parse: (spec: unknown) => unknown;
    readonly View: new (
      runtime: unknown,
      options: { readonly renderer: "none" },
    ) => { toSVG(): Promise<string>; finalize(): void };
  };
}

function isChartLibraries(loaded: unknown): loaded is ChartLibraries {
  return (
    typeof loaded === "object" &&
    loaded !== null &&
    "compile" in loaded &&
    typeof loaded.compile === "function" &&
    "vega" in loaded &&
    typeof loaded.vega === "object" &&
    loaded.vega !== null &&
    "parse" in loaded.vega &&
    typeof loaded.vega.parse === "function" &&
    "View" in loaded.vega &&
    typeof loaded.vega.View === "function"
  );
}

/** vega and vega-lite from bench/chart/node_modules, installed first if they are not. */
async function chartLibraries(): Promise<ChartLibraries> {
  installChartPackages();
  const loaded: unknown = await import(pathToFileURL(join(CHART_PACKAGE, "entry.mjs")).href);
  if (!isChartLibraries(loaded)) throw new Error("bench/chart/entry.mjs: not vega and vega-lite");
  return loaded;
}

/** The chart as SVG: Vega-Lite compiled to Vega, rendered headless (no browser, no canvas). */
export async function renderHeadlinesSvg(file: HeadlinesFile): Promise<string> {
  const { compile, vega } = await chartLibraries();
  const view = new vega.View(vega.parse(compile(headlinesChartSpec(file)).spec), {
    renderer: "none",
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** bench/headlines.json and bench/headlines.svg, from one run's headlines. */
export async function writeHeadlines(file: HeadlinesFile): Promise<void> {
  writeFileSync(HEADLINES_JSON, `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(HEADLINES_SVG, `${await renderHeadlinesSvg(file)}\n`);
  progress("written to bench/headlines.json and bench/headlines.svg");
}

/**
 * `npm run bench:chart`: bench/headlines.svg again from bench/headlines.json,
 * without running the bench (after a change to the chart's design).
 */
async function main(): Promise<void> {
  const file = headlinesFileSchema.parse(JSON.parse(readFileSync(HEADLINES_JSON, "utf8")));
  await writeHeadlines(file);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
