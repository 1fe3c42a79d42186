import { type EventHeaders, headerLines } from "./event-headers";

/**
 * Which browser origins may call the API, and what they may send and read:
 * one policy for the stack (the REST API's OPTIONS methods and gateway
 * responses), the local gateway (its OPTIONS answers) and the handlers (the
 * CORS headers of every actual answer, which on a REST API only the function
 * can set). Data and pure functions only: the stack imports it too.
 */

export interface CorsPolicy {
  /** Exact origins (`https://app.example.com`), or `*` for any. */
  readonly allowOrigins: readonly string[];
  /** Request headers a browser may send (lower case). */
  readonly allowHeaders: readonly string[];
  /** Answer headers a browser script may read (lower case). */
  readonly exposeHeaders: readonly string[];
  /** How long a browser may keep a preflight answer. */
  readonly maxAgeSeconds: number;
}

/** The environment variable that carries the origins to the functions, comma-separated. */
export const CORS_ALLOW_ORIGINS_ENV = "CORS_ALLOW_ORIGINS";

/** Any origin: bearer tokens, not cookies, authenticate, so no origin gains a caller's rights. */
export const DEFAULT_CORS_ALLOW_ORIGINS: readonly string[] = ["*"];

export function corsPolicy(
  allowOrigins: readonly string[] = DEFAULT_CORS_ALLOW_ORIGINS,
): CorsPolicy {
  if (allowOrigins.length === 0) throw new Error("CORS needs at least one origin (or *)");
  return {
    allowOrigins,
    allowHeaders: ["authorization", "content-type", "idempotency-key", "if-match"],
    exposeHeaders: ["location", "etag", "idempotent-replayed", "retry-after"],
    maxAgeSeconds: 3600,
  };
}

/**
 * Whether `origin` can ever match a browser's `Origin`, compared as the
 * exact string it is: an origin as a URL serializes it (scheme, lower-case
 * host, a port only when not the default, no path: `https://app.example.com`),
 * or `*`. The stack and `npm
 * start` refuse any other at synth and start; a function does not, since a
 * bad origin must not take its route down for every other client.
 */
export const isCorsOrigin = (origin: string): boolean =>
  origin === "*" ||
  (URL.canParse(origin) && new URL(origin).origin === origin && !origin.includes("*"));

/** What `isCorsOrigin` asks, as the stack's and `npm start`'s refusal says it. */
export const CORS_ORIGIN_RULE =
  "each origin must be * or an origin as a browser sends it: scheme://host[:port], lower case, no default port, no path";

/** The origins of a comma-separated list. */
export const corsOriginsOf = (list: string): string[] =>
  list
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");

/** The policy from `CORS_ALLOW_ORIGINS` (comma-separated), or the default when unset. */
export function corsPolicyFromEnvironment(environment: NodeJS.ProcessEnv): CorsPolicy {
  const origins = corsOriginsOf(environment[CORS_ALLOW_ORIGINS_ENV] ?? "");
  return corsPolicy(origins.length > 0 ? origins : DEFAULT_CORS_ALLOW_ORIGINS);
}

export const allowsAnyOrigin = (policy: CorsPolicy) => policy.allowOrigins.includes("*");

/** `Access-Control-Allow-Origin` for a request from `origin`, or undefined when it is not allowed. */
export function allowedOrigin(policy: CorsPolicy, origin: string | undefined): string | undefined {
  if (allowsAnyOrigin(policy)) return "*";
  return origin !== undefined && policy.allowOrigins.includes(origin) ? origin : undefined;
}

/**
 * The headers of an answer to a request from `origin`: what a browser needs
 * to hand it to the script (none when the origin is not allowed).
 */
export function corsAnswerHeaders(
  policy: CorsPolicy,
  origin: string | undefined,
): Record<string, string> {
  const allowed = allowedOrigin(policy, origin);
  return {
    // The answer differs by origin unless every origin gets the same one.
    ...(allowsAnyOrigin(policy) ? {} : { vary: "origin" }),
    ...(allowed
      ? {
          "access-control-allow-origin": allowed,
          "access-control-expose-headers": policy.exposeHeaders.join(", "),
        }
      : {}),
  };
}

/** A handler's answer with the CORS headers for the request's Origin (on a REST API, only the function can add them). */
export function withCorsHeaders<R extends { readonly headers?: Readonly<Record<string, string>> }>(
  response: R,
  policy: CorsPolicy,
  event: EventHeaders,
): R & { headers: Record<string, string> } {
  const [origin] = headerLines(event, "origin");
  return { ...response, headers: { ...response.headers, ...corsAnswerHeaders(policy, origin) } };
}

/**
 * The CORS headers of an answer that cannot look at the request (API
 * Gateway's own answers): possible for any origin or a single one, not for a
 * choice among several.
 */
export function staticCorsAnswerHeaders(policy: CorsPolicy): Record<string, string> {
  const [onlyOrigin] = policy.allowOrigins;
  return policy.allowOrigins.length === 1 && onlyOrigin
    ? corsAnswerHeaders(policy, onlyOrigin)
    : {};
}

/**
 * The preflight answer's headers for `origin` on a path whose routes accept
 * `methods`. A browser reads only `Access-Control-Allow-Origin`, which is
 * there only for an allowed origin; the others are the same for everyone.
 */
export function corsPreflightHeaders(
  policy: CorsPolicy,
  origin: string | undefined,
  methods: readonly string[],
): Record<string, string> {
  const allowed = allowedOrigin(policy, origin);
  return {
    ...(allowsAnyOrigin(policy) ? {} : { vary: "origin" }),
    ...(allowed ? { "access-control-allow-origin": allowed } : {}),
    "access-control-allow-methods": preflightMethods(methods).join(", "),
    "access-control-allow-headers": policy.allowHeaders.join(", "),
    "access-control-max-age": String(policy.maxAgeSeconds),
  };
}

/** The methods a preflight allows: the path's routes' and OPTIONS itself. */
export function preflightMethods(methods: readonly string[]): string[] {
  return [...new Set([...methods, "OPTIONS"])];
}
