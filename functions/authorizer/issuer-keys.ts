import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import * as z from "zod";

const discoveryDocument = z.object({ jwks_uri: z.url() });

/**
 * The issuer's signing keys, found the way API Gateway's JWT authorizer
 * finds them: OpenID Connect discovery (`<issuer>/.well-known/openid-configuration`),
 * then its `jwks_uri`. jose caches the key set and refetches it for an
 * unknown `kid` (a key rotation).
 */
export async function discoverIssuerKeys(issuer: string): Promise<JWTVerifyGetKey> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) throw new Error(`OpenID discovery at ${url} answered ${response.status}`);
  const { jwks_uri } = discoveryDocument.parse(await response.json());
  return createRemoteJWKSet(new URL(jwks_uri), { timeoutDuration: 3_000 });
}
