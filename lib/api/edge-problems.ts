import { type CorsPolicy, staticCorsAnswerHeaders } from "../../functions/shared/http/cors-policy";
import {
  internalError,
  type ProblemLike,
  renderProblem,
} from "../../functions/shared/http/problem-details";
import { gatewayProblems } from "../../functions/shared/http/problem-types";

/**
 * What the REST API answers itself, response type by response type (see
 * "Gateway response types for API Gateway"): the contract's problem+json
 * instead of API Gateway's `{"message": …}`. Every type API Gateway can
 * produce for this API is named, so that the two defaults only catch types
 * added later.
 */
export const gatewayResponseProblems: Readonly<Record<string, ProblemLike>> = {
  // The Cognito or Lambda authorizer refused the token, or none was sent.
  UNAUTHORIZED: gatewayProblems.unauthorized(false),
  EXPIRED_TOKEN: gatewayProblems.unauthorized(false),
  ACCESS_DENIED: gatewayProblems.forbidden(),
  INVALID_SIGNATURE: gatewayProblems.forbidden(),
  INVALID_API_KEY: gatewayProblems.forbidden(),
  WAF_FILTERED: gatewayProblems.forbidden(),
  // What a REST API answers for a path without a resource (403 by default).
  MISSING_AUTHENTICATION_TOKEN: gatewayProblems.notFound(),
  RESOURCE_NOT_FOUND: gatewayProblems.notFound(),
  THROTTLED: gatewayProblems.rateLimited(1),
  QUOTA_EXCEEDED: gatewayProblems.rateLimited(1),
  REQUEST_TOO_LARGE: gatewayProblems.payloadTooLarge(),
  UNSUPPORTED_MEDIA_TYPE: gatewayProblems.unsupportedMediaType(),
  BAD_REQUEST_BODY: gatewayProblems.invalidRequest(),
  BAD_REQUEST_PARAMETERS: gatewayProblems.invalidRequest(),
  INTEGRATION_TIMEOUT: gatewayProblems.gatewayTimeout(),
  DEFAULT_4XX: gatewayProblems.badRequest(),
  // Authorizer failures, a malformed function answer, a failed invocation:
  // 500 internal-error, nothing of the cause.
  DEFAULT_5XX: internalError(),
};

/** A problem the edge answers itself, before any function runs, as static text. */
export interface EdgeProblemAnswer {
  readonly statusCode: number;
  /** Names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The problem document; neither a gateway response template nor WAF substitutes a variable in it. */
  readonly body: string;
}

export interface GatewayResponseDefinition extends EdgeProblemAnswer {
  readonly type: string;
}

/**
 * A problem answered by the edge (an API Gateway gateway response, or the
 * web ACL's custom response): rendered by the handlers' own renderer,
 * `nosniff` as on every answer, and the CORS headers a browser needs to read
 * it where the policy makes them static (any origin, or a single one: a
 * static answer cannot choose among several).
 */
export function renderEdgeProblem(problem: ProblemLike, policy: CorsPolicy): EdgeProblemAnswer {
  const rendered = renderProblem(problem);
  return {
    statusCode: rendered.statusCode,
    headers: {
      ...rendered.headers,
      ...staticCorsAnswerHeaders(policy),
      "x-content-type-options": "nosniff",
      // No cache may keep an error the edge gave, whoever asked.
      "cache-control": "no-store",
    },
    body: rendered.body,
  };
}

/** Each gateway response as the stack configures it (see {@link renderEdgeProblem}). */
export function gatewayResponseDefinitions(policy: CorsPolicy): GatewayResponseDefinition[] {
  return Object.entries(gatewayResponseProblems).map(([type, problem]) => ({
    type,
    ...renderEdgeProblem(problem, policy),
  }));
}
