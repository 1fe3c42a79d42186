import type { GatewayRoute } from "./gateway-route";

/**
 * Finds the route for a request the way API Gateway does: path templates with
 * `{parameter}` segments, the most specific template first.
 */

type Segment = { readonly literal: string } | { readonly parameter: string };

export interface CompiledRoute {
  readonly route: GatewayRoute;
  /** Upper case, as in the request line. */
  readonly method: string;
  /** `METHOD /path/{template}`: what no two routes may share. */
  readonly routeKey: string;
  readonly segments: readonly Segment[];
}

export type RouteMatch =
  | {
      readonly kind: "matched";
      readonly compiled: CompiledRoute;
      readonly pathParameters: Record<string, string>;
    }
  | { readonly kind: "no-route" }
  /** The path matches, but only for other methods. */
  | { readonly kind: "method-not-allowed"; readonly allowedMethods: readonly string[] };

/** The routes ready for matching, most specific first; a repeated route key is an error. */
export function compileRoutes(routes: readonly GatewayRoute[]): CompiledRoute[] {
  const compiled = routes.map(compileRoute).sort(bySpecificity);
  const seen = new Set<string>();
  for (const { routeKey } of compiled) {
    if (seen.has(routeKey)) throw new Error(`Duplicate route ${routeKey}`);
    seen.add(routeKey);
  }
  return compiled;
}

/** `method` in upper case; `rawPath` as received, still percent-encoded. */
export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  rawPath: string,
): RouteMatch {
  const pathSegments = rawPath.slice(1).split("/");
  const candidates = rawPath.startsWith("/")
    ? routes.flatMap((compiled) => {
        const pathParameters = matchPath(compiled.segments, pathSegments);
        return pathParameters ? [{ compiled, pathParameters }] : [];
      })
    : [];
  if (candidates.length === 0) return { kind: "no-route" };
  const chosen = candidates.find(({ compiled }) => compiled.method === method);
  if (!chosen) {
    const allowedMethods = [...new Set(candidates.map(({ compiled }) => compiled.method))];
    return { kind: "method-not-allowed", allowedMethods };
  }
  return { kind: "matched", ...chosen };
}

/** Every method some route serves, in the routes' order. */
export function allMethods(routes: readonly CompiledRoute[]): string[] {
  return [...new Set(routes.map(({ method }) => method))];
}

function compileRoute(route: GatewayRoute): CompiledRoute {
  if (!route.path.startsWith("/")) throw new Error(`Route ${route.id}: path must start with /`);
  const segments = route.path
    .slice(1)
    .split("/")
    .map((segment): Segment => {
      const parameter = /^\{(\w+)\}$/.exec(segment)?.[1];
      return parameter ? { parameter } : { literal: segment };
    });
  const method = route.method.toUpperCase();
  return { route, method, routeKey: `${method} ${route.path}`, segments };
}

/** API Gateway prefers the most specific route: a literal segment beats a parameter. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const rank = (segment: Segment | undefined) => (segment && "parameter" in segment ? 1 : 0);
  for (let index = 0; index < Math.min(a.segments.length, b.segments.length); index += 1) {
    const difference = rank(a.segments[index]) - rank(b.segments[index]);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The decoded path parameters when the template matches, else undefined. */
function matchPath(
  segments: readonly Segment[],
  pathSegments: readonly string[],
): Record<string, string> | undefined {
  if (segments.length !== pathSegments.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const actual = pathSegments[index] ?? "";
    if ("literal" in segment) {
      if (segment.literal !== actual) return undefined;
      continue;
    }
    if (actual === "") return undefined;
    try {
      parameters[segment.parameter] = decodeURIComponent(actual);
    } catch {
      return undefined; // malformed percent-encoding identifies no resource
    }
  }
  return parameters;
}
