import { type ProblemLike, renderProblem } from "../../../functions/shared/http/problem-details";
import type { GatewayAnswer } from "./gateway-answer";

/** A problem as the local gateway sends it, with `headers` besides its own. */
export function answerFromProblem(
  problem: ProblemLike,
  headers: Readonly<Record<string, string>> = {},
): GatewayAnswer {
  const rendered = renderProblem(problem);
  return {
    statusCode: rendered.statusCode,
    // No cache may keep an error the gateway gave, as on AWS (lib/api/edge-problems.ts).
    headers: { ...headers, ...rendered.headers, "cache-control": "no-store" },
    body: Buffer.from(rendered.body, "utf8"),
  };
}
