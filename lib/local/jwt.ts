import { SignJWT } from "jose";

/**
 * Local bearer tokens: HS256 JWTs that the local gateway verifies the way API
 * Gateway's JWT authorizer verifies the real ones (signature, `exp`, `nbf`,
 * `iat`, issuer, audience; see functions/authorizer/token-verifier.ts).
 */

/**
 * Development default for `JWT_SECRET`, shared by the gateway, `npm start` and
 * `npm run token` so that a token printed by one is accepted by the other. It
 * is public: it only ever protects a server bound to 127.0.0.1.
 */
export const DEFAULT_LOCAL_JWT_SECRET = "local-development-only-hs256-secret-not-for-production";

/** Defaults for `JWT_ISSUER` and `JWT_AUDIENCE`: what local tokens carry and the gateway expects. */
export const DEFAULT_LOCAL_JWT_ISSUER = "local";
export const DEFAULT_LOCAL_JWT_AUDIENCE = "payments-api";

export interface LocalTokenOptions {
  /** @default 3600; a negative value gives an expired token */
  readonly ttlSeconds?: number;
  /** @default DEFAULT_LOCAL_JWT_ISSUER */
  readonly issuer?: string;
  /** @default DEFAULT_LOCAL_JWT_AUDIENCE */
  readonly audience?: string;
}

/** The HMAC key: the secret's UTF-8 bytes, as jose expects for HS256. */
export function localJwtKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** A token for caller `sub`, signed with `secret`, that the local gateway accepts. */
export async function signLocalToken(
  sub: string,
  secret: string,
  options: LocalTokenOptions = {},
): Promise<string> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuer(options.issuer ?? DEFAULT_LOCAL_JWT_ISSUER)
    .setAudience(options.audience ?? DEFAULT_LOCAL_JWT_AUDIENCE)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + (options.ttlSeconds ?? 3600))
    .sign(localJwtKey(secret));
}
