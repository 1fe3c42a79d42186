import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from "zod-openapi";
import { isIdempotent, type RouteDefinition } from "../routes";
import { idempotencyKeyParameter } from "./openapi-idempotency-key";
import { type AnswerHeaders, type AnswerSpec, renderAnswer } from "./openapi-parts";
import { type ProblemSlug, problemResponse } from "./openapi-problems";

/** Problem slugs by status. */
export type ProblemsByStatus = Partial<Record<number, readonly ProblemSlug[]>>;

/** The documented parts of an operation; the route table supplies the rest. */
export type OperationSpec = Omit<
  ZodOpenApiOperationObject,
  "operationId" | "responses" | "parameters"
> & {
  readonly success: Partial<Record<"200" | "201", AnswerSpec>>;
  /** The problems of the operation's own use case; the route's kind adds the others. */
  readonly problems: ProblemsByStatus;
};

/** Problems a use case answers, which the idempotency layer stores and replays. */
const STORED_PROBLEM_STATUSES: ReadonlySet<number> = new Set([402, 404, 409, 412]);

/** The problems every route of its kind can give, whatever its use case. */
function problemsOfKind(route: RouteDefinition, spec: OperationSpec): ProblemsByStatus[] {
  return [
    route.authenticated ? { 401: ["unauthorized"] } : {},
    spec.requestBody
      ? {
          400: ["validation-error", "malformed-json"],
          413: ["payload-too-large"],
          415: ["unsupported-media-type"],
        }
      : {},
    // A query parameter the route does not take, given twice, or empty (http-handler.ts).
    route.authenticated || spec.requestParams?.query ? { 400: ["validation-error"] } : {},
    isIdempotent(route)
      ? {
          400: ["idempotency-key-missing", "idempotency-key-invalid"],
          422: ["idempotency-key-reused"],
          503: ["idempotency-store-unavailable"],
        }
      : {},
    // A lease route claims its key first: a duplicate in flight is told to come back.
    route.idempotency === "lease" ? { 409: ["idempotency-key-in-progress"] } : {},
    // DynamoDB unreachable, slow or throttled at any step: a retry can cure it.
    touchesATable(route) ? { 503: ["service-unavailable"] } : {},
    // API Gateway's throttling, a function's failure, and the gateway's timeout.
    { 429: ["rate-limited"], 500: ["internal-error"], 504: ["gateway-timeout"] },
  ];
}

function touchesATable(route: RouteDefinition): boolean {
  return route.access.idempotency !== "none" || route.access.data !== "none";
}

function mergeProblems(groups: readonly ProblemsByStatus[]): Map<number, ProblemSlug[]> {
  const merged = new Map<number, ProblemSlug[]>();
  for (const group of groups) {
    for (const [status, slugs] of Object.entries(group)) {
      const listed = merged.get(Number(status)) ?? [];
      for (const slug of slugs ?? []) if (!listed.includes(slug)) listed.push(slug);
      merged.set(Number(status), listed);
    }
  }
  return merged;
}

/** The headers an answer of this status carries on this route (see answer-headers.ts). */
function problemHeaders(status: number, route: RouteDefinition): AnswerHeaders {
  const noStore: AnswerHeaders = route.authenticated ? { "Cache-Control": true } : {};
  switch (status) {
    case 401: // the gateway's answer, before any function runs
      return { "WWW-Authenticate": true };
    case 429: // API Gateway's throttling, before any function runs
      return { "Retry-After": "optional" };
    case 504: // the gateway's answer
      return {};
    case 413: // the function's (over 64 KiB) or the gateway's (over 10 MiB)
    case 500: // the function's, or the gateway's when a function crashed
      return route.authenticated ? { "Cache-Control": "optional" } : {};
    case 503:
      return { ...noStore, "Retry-After": true };
    default:
      return {
        ...noStore,
        ...(isIdempotent(route) && STORED_PROBLEM_STATUSES.has(status)
          ? { "Idempotent-Replayed": "optional" }
          : {}),
        // idempotency-key-in-progress says when to come back.
        ...(route.idempotency === "lease" && status === 409 ? { "Retry-After": "optional" } : {}),
      };
  }
}

export function operationOf(
  route: RouteDefinition,
  spec: OperationSpec,
): ZodOpenApiOperationObject {
  const { success, problems, ...documented } = spec;
  const successHeaders: AnswerHeaders = {
    ...(route.authenticated ? { "Cache-Control": true } : {}),
    ...(isIdempotent(route) ? { "Idempotent-Replayed": "optional" } : {}),
  };
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, answer] of Object.entries(success)) {
    if (answer) responses[status] = renderAnswer(answer, successHeaders);
  }
  const problemStatuses = mergeProblems([problems, ...problemsOfKind(route, spec)]);
  for (const status of [...problemStatuses.keys()].sort((a, b) => a - b)) {
    const slugs = problemStatuses.get(status) ?? [];
    responses[String(status)] = problemResponse(status, slugs, problemHeaders(status, route));
  }
  return {
    operationId: route.id,
    ...documented,
    ...(isIdempotent(route) ? { parameters: [idempotencyKeyParameter] } : {}),
    ...(route.authenticated ? {} : { security: [] }),
    responses,
  };
}
