import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { claimsAsStrings } from "./claims-context";
import { type TokenRules, verifyToken } from "./token-verifier";

/**
 * The decision of the REST API's TOKEN authorizer for an external OpenID
 * Connect issuer: the checks API Gateway's JWT authorizer makes (see
 * {@link verifyToken}), then an Allow whose context carries the claims.
 */

/** What API Gateway turns into 401 (gateway response UNAUTHORIZED): exactly this message. */
export const UNAUTHORIZED = "Unauthorized";

/**
 * @param authorizationToken the `Authorization` header as API Gateway passes it
 * @param methodArn the method called: `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`
 * @throws Error(UNAUTHORIZED) for a missing or invalid token; any other error
 *   (the issuer's keys unreachable) becomes API Gateway's 500
 */
export async function authorizeToken(
  authorizationToken: string,
  methodArn: string,
  rules: TokenRules,
): Promise<APIGatewayAuthorizerResult> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorizationToken)?.[1];
  if (!token) throw new Error(UNAUTHORIZED);
  const verification = await verifyToken(token, rules);
  if (!verification.ok) throw new Error(UNAUTHORIZED);
  const { sub } = verification.claims;
  return {
    principalId: sub,
    policyDocument: {
      Version: "2012-10-17",
      // Every method of the stage: a policy cached for this token must not
      // refuse the caller's next route.
      Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: stageArn(methodArn) }],
    },
    // Where the handlers read the caller (requestContext.authorizer.sub).
    context: { ...claimsAsStrings(verification.claims), sub },
  };
}

/** `arn:…:<api>/<stage>/*` from a method ARN. */
function stageArn(methodArn: string): string {
  const [apiAndStage = "", stage = ""] = methodArn.split("/");
  return `${apiAndStage}/${stage}/*`;
}
