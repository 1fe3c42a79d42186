import { problems } from "../../../functions/shared/http/http-problems";
import {
  HttpProblem,
  type ProblemLike,
  renderProblem,
} from "../../../functions/shared/http/problem";
import type { GatewayAnswer } from "./gateway-answer";

/**
 * The answers the gateway gives itself, before or instead of a handler's, as
 * problem details in the same format as the handlers' own errors.
 */
export const gatewayProblems = {
  notFound: (method: string, path: string) =>
    new HttpProblem(404, "not-found", "Not found", `No route matches ${method} ${path}.`),
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
  payloadTooLarge: problems.payloadTooLarge,
  gatewayTimeout: () =>
    new HttpProblem(504, "gateway-timeout", "Gateway timeout", "The function timed out."),
};

export function answerFromProblem(problem: ProblemLike): GatewayAnswer {
  const rendered = renderProblem(problem);
  return {
    statusCode: rendered.statusCode,
    headers: rendered.headers,
    cookies: [],
    body: Buffer.from(rendered.body, "utf8"),
  };
}
