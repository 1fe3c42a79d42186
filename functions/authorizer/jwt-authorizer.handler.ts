import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import type { JWTVerifyGetKey } from "jose";
import * as z from "zod";
import { parseEnvironment } from "../shared/environment";
import { authorizeToken } from "./authorize-token";
import { discoverIssuerKeys } from "./issuer-keys";

/**
 * The REST API's TOKEN authorizer when the stack trusts an external OpenID
 * Connect issuer (`-c jwtIssuer=… -c jwtAudience=…`) instead of its own
 * Cognito user pool. Composition root: configuration and the key set, once
 * per cold start.
 */

const environmentSchema = z.object({
  JWT_ISSUER: z.url(),
  /** Comma-separated: a token must carry one of them. */
  JWT_AUDIENCE: z.string().min(1),
});

const environment = parseEnvironment(
  environmentSchema,
  process.env,
  "Invalid environment for the JWT authorizer",
);

/** Asymmetric algorithms only: an issuer's public keys never verify an HMAC. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"];

let keys: Promise<JWTVerifyGetKey> | undefined;

/** Discovered once; a failed discovery is tried again by the next request. */
function issuerKeys(): Promise<JWTVerifyGetKey> {
  keys ??= discoverIssuerKeys(environment.JWT_ISSUER).catch((error: unknown) => {
    keys = undefined;
    throw error;
  });
  return keys;
}

export async function handler(
  event: APIGatewayTokenAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> {
  return authorizeToken(event.authorizationToken, event.methodArn, {
    key: await issuerKeys(),
    algorithms: ALGORITHMS,
    issuer: environment.JWT_ISSUER,
    audience: environment.JWT_AUDIENCE.split(",").map((audience) => audience.trim()),
  });
}
