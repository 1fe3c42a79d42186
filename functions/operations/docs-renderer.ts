import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The API reference's renderer: Scalar's standalone browser bundle
 * (`@scalar/api-reference`, dist/browser/standalone.js, one self-contained
 * file, no CDN), served by the API itself at GET /docs/scalar.js.
 *
 * Deployed, the function's bundle cannot import the file (esbuild would
 * bundle it as code): the stack copies it next to the bundle
 * (`rendererBundledFile`, an afterBundling hook). Locally (tsx, jest), it is
 * read from node_modules. Either way it is read once, at cold start.
 */

/** Resolved at run time, locally only: a bundle never contains the package. */
const RENDERER_PACKAGE = "@scalar/api-reference";

/** Its name next to the deployed bundle. */
export const RENDERER_FILE_NAME = "scalar-api-reference.js";

/** The file in the npm package. Its exports map does not list it: go from the main entry. */
export function rendererSourcePath(): string {
  const main = require.resolve(RENDERER_PACKAGE); // <package>/dist/index.js
  return join(dirname(main), "browser", "standalone.js");
}

/** What the stack copies into the docs script function's bundle. */
export function rendererBundledFile(): { readonly source: string; readonly name: string } {
  return { source: rendererSourcePath(), name: RENDERER_FILE_NAME };
}

export function readRendererScript(): string {
  // `__dirname` is the bundle's folder when deployed, functions/operations/ locally.
  const bundled = join(__dirname, RENDERER_FILE_NAME);
  return readFileSync(existsSync(bundled) ? bundled : rendererSourcePath(), "utf8");
}
