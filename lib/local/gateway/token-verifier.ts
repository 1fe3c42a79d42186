import { errors, type JWTPayload, jwtVerify } from "jose";

/**
 * What API Gateway's JWT authorizer checks of a token, locally with HS256
 * instead of the issuer's public keys: signature, `exp` required, issuer,
 * audience, and a `sub` naming the caller.
 */

export interface TokenRules {
  /** The HS256 secret's bytes. */
  readonly key: Uint8Array;
  /** The one `iss` accepted. */
  readonly issuer: string;
  /** The `aud` required: the token's `aud`, or one of its values when a list. */
  readonly audience: string;
}

export type Verification =
  | { readonly ok: true; readonly claims: JWTPayload & { readonly sub: string } }
  /** `reason` names the rule, never the token's content: it may be logged. */
  | { readonly ok: false; readonly reason: string };

export async function verifyToken(token: string, rules: TokenRules): Promise<Verification> {
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, rules.key, {
      algorithms: ["HS256"],
      issuer: rules.issuer,
      audience: rules.audience,
      requiredClaims: ["exp", "sub"],
    }));
  } catch (error) {
    // Bad signature, expired, malformed, wrong issuer: all the same to the caller.
    // jose's messages name the failed check, never the token's content.
    return {
      ok: false,
      reason: error instanceof errors.JOSEError ? error.message : "malformed token",
    };
  }
  const { sub } = claims;
  if (typeof sub !== "string" || sub === "")
    return { ok: false, reason: "sub must name the caller" };
  return { ok: true, claims: { ...claims, sub } };
}
