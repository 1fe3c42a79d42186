import { join } from "node:path";
import type { Construct } from "constructs";
import {
  RENDERER_SCRIPT,
  RENDERER_STYLESHEET,
  rendererBundledFile,
} from "../../functions/api-docs/docs-renderer";
import type { RouteDefinition } from "../../functions/routes";
import { ApiFunction, type BundledFile } from "./api-function";

const FUNCTIONS_DIR = join(__dirname, "..", "..", "functions");

/** The route's id as the first part of its constructs' ids: `createAccount` → `CreateAccount`. */
export const constructNameOf = (route: RouteDefinition) =>
  `${route.id.charAt(0).toUpperCase()}${route.id.slice(1)}`;

/** Files that a route's handler reads next to its bundle, at cold start. */
function bundledFilesOf(route: RouteDefinition): readonly BundledFile[] {
  switch (route.id) {
    case "docsScript":
      return [rendererBundledFile(RENDERER_SCRIPT)];
    case "docsStyle":
      return [rendererBundledFile(RENDERER_STYLESHEET)];
    default:
      return [];
  }
}

/**
 * The function of one route-table entry: its handler's bundle and the files
 * it reads, with `reservedConcurrency` executions reserved (0: none).
 */
export function createRouteFunction(
  scope: Construct,
  route: RouteDefinition,
  environment: Record<string, string>,
  reservedConcurrency = 0,
): ApiFunction {
  return new ApiFunction(scope, `${constructNameOf(route)}Function`, {
    entry: join(FUNCTIONS_DIR, route.entry),
    description: `${route.method} ${route.path}`,
    // Powertools' Tracer names its segments after it; Logger and Metrics use the route id too.
    environment: { ...environment, POWERTOOLS_SERVICE_NAME: route.id },
    bundledFiles: bundledFilesOf(route),
    // Lambda reads 0 as "never run": no reservation is leaving the setting out.
    ...(reservedConcurrency > 0 ? { reservedConcurrentExecutions: reservedConcurrency } : {}),
  });
}
