import { createHmac } from "node:crypto";
import { type JWTPayload, SignJWT } from "jose";

/**
 * Tokens for tests of the local authorizer, built claim by claim: a valid set
 * of claims with `overrides` on top (`undefined` removes a claim).
 */

export const FIXTURE_ISSUER = "local";
export const FIXTURE_AUDIENCE = "payments-api";

export const nowInSeconds = () => Math.floor(Date.now() / 1000);

/** Claims a local token carries, valid for an hour from now. */
export function validClaims(): JWTPayload {
  const now = nowInSeconds();
  return { sub: "alice", iss: FIXTURE_ISSUER, aud: FIXTURE_AUDIENCE, iat: now, exp: now + 3600 };
}

/** An HS256 token signed with `secret` by jose, valid but for `overrides`. */
export function signClaims(
  secret: string,
  overrides: Readonly<Record<string, unknown>> = {},
): Promise<string> {
  const claims: Record<string, unknown> = { ...validClaims(), ...overrides };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

/**
 * An HS256 token whose payload is `payloadJson` exactly as written, for what
 * jose refuses to sign: `"exp": 1e400` parses to Infinity on the other side.
 */
export function signRawPayload(secret: string, payloadJson: string): string {
  const encode = (text: string) => Buffer.from(text, "utf8").toString("base64url");
  const signingInput = `${encode('{"alg":"HS256","typ":"JWT"}')}.${encode(payloadJson)}`;
  const signature = createHmac("sha256", secret).update(signingInput).digest("base64url");
  return `${signingInput}.${signature}`;
}
