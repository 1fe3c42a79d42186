import { type CorsPolicy, staticCorsAnswerHeaders } from "../../functions/shared/http/cors-policy";
import { gatewayProblems } from "../../functions/shared/http/http-problems";
import {
  internalError,
  type ProblemLike,
  renderProblem,
} from "../../functions/shared/http/problem";

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

export interface GatewayResponseDefinition {
  readonly type: string;
  readonly statusCode: number;
  /** Names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The problem document; gateway response templates substitute no variable in it. */
  readonly body: string;
}

/**
 * Each gateway response as the stack configures it: the problem rendered by
 * the handlers' own renderer, `nosniff` as on every answer, and the CORS
 * headers a browser needs to read it where the policy makes them static (any
 * origin, or a single one: a gateway response cannot choose among several).
 */
export function gatewayResponseDefinitions(policy: CorsPolicy): GatewayResponseDefinition[] {
  const cors = staticCorsAnswerHeaders(policy);
  return Object.entries(gatewayResponseProblems).map(([type, problem]) => {
    const rendered = renderProblem(problem);
    return {
      type,
      statusCode: rendered.statusCode,
      headers: {
        ...rendered.headers,
        ...cors,
        "x-content-type-options": "nosniff",
        // No cache may keep an error the gateway gave, whoever asked.
        "cache-control": "no-store",
      },
      body: rendered.body,
    };
  });
}
