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
  unauthorized: (tokenSent: boolean) =>
    new HttpProblem(401, "unauthorized", "Unauthorized", "A valid bearer token is required.", {
      "www-authenticate": tokenSent ? 'Bearer error="invalid_token"' : "Bearer",
    }),
  payloadTooLarge: (limitBytes: number) =>
    new HttpProblem(
      413,
      "payload-too-large",
      "Payload too large",
      `The body must not exceed ${limitBytes} bytes.`,
    ),
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
