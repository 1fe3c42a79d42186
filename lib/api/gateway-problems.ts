import { problems } from "../../functions/shared/http/http-problems";
import { HttpProblem } from "../../functions/shared/http/problem";

/**
 * The answers API Gateway gives itself, before or instead of a function's, as
 * problem details in the same format as the handlers' own errors: the REST
 * API's gateway responses on AWS and the local gateway's answers are built
 * from these, so a client sees one 401, one 404 and one 429 wherever it runs.
 */

/** API Gateway's payload limit; the app's 64 KiB limit is the handlers' job. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export const gatewayProblems = {
  notFound: () =>
    new HttpProblem(404, "not-found", "Not found", "No route matches this method and path."),
  /** `method` may be a template variable on AWS (`$context.httpMethod`). */
  methodNotAllowed: (method: string, allowed: readonly string[]) =>
    new HttpProblem(
      405,
      "method-not-allowed",
      "Method not allowed",
      `${method} is not allowed here; use ${allowed.join(" or ")}.`,
      { allow: allowed.join(", ") },
    ),
  // The same answers the handlers give, so a client sees one 401 and one 413.
  unauthorized: problems.unauthorized,
  payloadTooLarge: () => problems.payloadTooLarge(API_GATEWAY_MAX_BODY_BYTES),
  unsupportedMediaType: problems.unsupportedMediaType,
  invalidRequest: () =>
    problems.validation([], "API Gateway refused the request's parameters or body."),
  /** A credential API Gateway refuses outright (a denying policy, a firewall rule). */
  forbidden: () =>
    new HttpProblem(403, "forbidden", "Forbidden", "The request is not allowed for this caller."),
  /** Any other client error API Gateway reports itself. */
  badRequest: () =>
    new HttpProblem(400, "bad-request", "Bad request", "API Gateway could not accept the request."),
  rateLimited: (retryAfterSeconds: number) =>
    new HttpProblem(
      429,
      "rate-limited",
      "Too many requests",
      "The API's request rate limit was exceeded. Retry after the delay in Retry-After.",
      { "retry-after": String(retryAfterSeconds) },
    ),
  gatewayTimeout: () =>
    new HttpProblem(504, "gateway-timeout", "Gateway timeout", "The function timed out."),
};
