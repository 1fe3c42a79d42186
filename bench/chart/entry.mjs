// The chart's libraries, resolved from bench/chart/node_modules: both are
// ESM only, and the root package cannot name them (they are not in its
// install). bench/chart/render.ts imports this file by its path.
export * as vega from "vega";
export { compile } from "vega-lite";
