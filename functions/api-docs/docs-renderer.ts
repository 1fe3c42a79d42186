import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The API reference's renderer: Swagger UI's prebuilt browser files
 * (`swagger-ui-dist`: one script, one stylesheet, no CDN), served by the API
 * itself at GET /docs/swagger-ui.js and GET /docs/swagger-ui.css.
 *
 * Deployed, a function's bundle cannot import the files (esbuild would
 * bundle the script as code): the stack copies each next to its function's
 * bundle (`rendererBundledFile`, an afterBundling hook). Locally (tsx, jest),
 * they are read from node_modules. Either way each is read once, at cold start.
 */

/** Resolved at run time, locally only: a bundle never contains the package. */
const RENDERER_PACKAGE = "swagger-ui-dist";

/** The files the page loads, by their names in the package (and next to a deployed bundle). */
export const RENDERER_SCRIPT = "swagger-ui-bundle.js";
export const RENDERER_STYLESHEET = "swagger-ui.css";
export type RendererFile = typeof RENDERER_SCRIPT | typeof RENDERER_STYLESHEET;

/** The file in the npm package (it has no exports map: its package.json resolves). */
export function rendererSourcePath(file: RendererFile): string {
  return join(dirname(require.resolve(`${RENDERER_PACKAGE}/package.json`)), file);
}

/** What the stack copies into the bundle of the function that serves `file`. */
export function rendererBundledFile(file: RendererFile): {
  readonly source: string;
  readonly name: string;
} {
  return { source: rendererSourcePath(file), name: file };
}

export function readRendererFile(file: RendererFile): string {
  // `__dirname` is the bundle's folder when deployed, functions/api-docs/ locally.
  const bundled = join(__dirname, file);
  return readFileSync(existsSync(bundled) ? bundled : rendererSourcePath(file), "utf8");
}
