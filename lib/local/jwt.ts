import { SignJWT } from "jose";

/**
 * Local bearer tokens: HS256 JWTs that the local gateway verifies the way API
 * Gateway's JWT authorizer verifies the real ones (signature, `exp`, `sub`).
 */

/**
 * Development default for `JWT_SECRET`, shared by the gateway, `npm start` and
 * `npm run token` so that a token printed by one is accepted by the other. It
 * is public: it only ever protects a server bound to 127.0.0.1.
 */
export const DEFAULT_LOCAL_JWT_SECRET = "local-development-only-hs256-secret-not-for-production";

export const LOCAL_TOKEN_ISSUER = "local";

/** The HMAC key: the secret's UTF-8 bytes, as jose expects for HS256. */
export function localJwtKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** A token for caller `sub`, valid for `ttlSeconds` (a negative value gives an expired one). */
export async function signLocalToken(
  sub: string,
  secret: string,
  ttlSeconds = 3600,
): Promise<string> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuer(LOCAL_TOKEN_ISSUER)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ttlSeconds)
    .sign(localJwtKey(secret));
}
