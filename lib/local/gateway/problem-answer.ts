import { type ProblemLike, renderProblem } from "../../../functions/shared/http/problem";
import type { GatewayAnswer } from "./gateway-answer";

/** A problem as the local gateway sends it, with `headers` besides its own. */
export function answerFromProblem(
  problem: ProblemLike,
  headers: Readonly<Record<string, string>> = {},
): GatewayAnswer {
  const rendered = renderProblem(problem);
  return {
    statusCode: rendered.statusCode,
    headers: { ...headers, ...rendered.headers },
    body: Buffer.from(rendered.body, "utf8"),
  };
}
