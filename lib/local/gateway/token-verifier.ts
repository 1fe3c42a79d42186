import { errors, type JWTPayload, jwtVerify } from "jose";

/**
 * What API Gateway's JWT authorizer checks of a token, locally with HS256
 * instead of the issuer's public keys: signature, `exp` required and in the
 * future, `nbf` and `iat` not in the future, issuer, audience, and a `sub`
 * naming the caller.
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

/**
 * Allowed difference between the clock that minted a token and ours, for
 * `exp`, `nbf` and `iat` alike. Local tokens may come from another process,
 * container or VM (`npm run token` on the host, the API in a VM) whose clock
 * is a little off; a few seconds absorb that without meaningfully extending
 * an expired token.
 */
export const CLOCK_SKEW_SECONDS = 5;

/** 9999-12-31T23:59:59Z: a later `exp` (1e300, say) is nonsense, not "never expires". */
export const LATEST_EXPIRY_SECONDS = 253_402_300_799;

export async function verifyToken(token: string, rules: TokenRules): Promise<Verification> {
  let claims: JWTPayload;
  try {
    // jose checks the signature, iss, aud, that exp and sub are present, that
    // exp, nbf and iat are numbers, exp against now and nbf against now.
    ({ payload: claims } = await jwtVerify(token, rules.key, {
      algorithms: ["HS256"],
      issuer: rules.issuer,
      audience: rules.audience,
      requiredClaims: ["exp", "sub"],
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (error) {
    // Bad signature, expired, malformed, wrong issuer: all the same to the caller.
    // jose's messages name the failed check, never the token's content.
    return {
      ok: false,
      reason: error instanceof errors.JOSEError ? error.message : "malformed token",
    };
  }
  const problem = timeProblem(claims, Math.floor(Date.now() / 1000));
  if (problem) return { ok: false, reason: problem };
  const { sub } = claims;
  if (typeof sub !== "string" || sub === "")
    return { ok: false, reason: "sub must name the caller" };
  return { ok: true, claims: { ...claims, sub } };
}

/** What jose leaves unchecked of the NumericDate claims, or undefined when they are sound. */
function timeProblem(claims: JWTPayload, nowSeconds: number): string | undefined {
  const { exp, nbf, iat } = claims;
  // `1e400` in the JSON parses to Infinity, which jose takes for a number.
  for (const [name, value] of Object.entries({ exp, nbf, iat })) {
    if (value !== undefined && !Number.isFinite(value)) return `${name} must be a finite number`;
  }
  if (exp === undefined || !Number.isInteger(exp) || exp > LATEST_EXPIRY_SECONDS) {
    return `exp must be an integer no later than ${LATEST_EXPIRY_SECONDS} (year 9999)`;
  }
  // jose compares iat with now only when given a maximum token age.
  if (iat !== undefined && iat > nowSeconds + CLOCK_SKEW_SECONDS) return "iat is in the future";
  return undefined;
}
