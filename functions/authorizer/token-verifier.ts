import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";

/**
 * What API Gateway's JWT authorizer checks of a token: signature, `exp`
 * required and in the future, `nbf` and `iat` not in the future, issuer,
 * audience, and a `sub` naming the caller. The same rules serve the local
 * gateway (an HS256 secret) and the Lambda authorizer for an external OpenID
 * Connect issuer on AWS (the issuer's published keys).
 */

export interface TokenRules {
  /** The HS256 secret's bytes, or the issuer's key set (`createRemoteJWKSet`). */
  readonly key: Uint8Array | JWTVerifyGetKey;
  /** @default ["HS256"], what local tokens are signed with */
  readonly algorithms?: readonly string[];
  /** The one `iss` accepted. */
  readonly issuer: string;
  /** The `aud` required (any one of them, when several): the token's `aud`, or one of its values when a list. */
  readonly audience: string | readonly string[];
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
  // jose checks the signature, iss, aud, that exp and sub are present, that
  // exp, nbf and iat are numbers, exp against now and nbf against now.
  const options = {
    algorithms: [...(rules.algorithms ?? ["HS256"])],
    issuer: rules.issuer,
    audience: typeof rules.audience === "string" ? rules.audience : [...rules.audience],
    requiredClaims: ["exp", "sub"],
    clockTolerance: CLOCK_SKEW_SECONDS,
  };
  try {
    // Two calls: jose's overloads take a key or a key resolver, not a union.
    ({ payload: claims } =
      typeof rules.key === "function"
        ? await jwtVerify(token, rules.key, options)
        : await jwtVerify(token, rules.key, options));
  } catch (error) {
    // An issuer whose keys cannot be fetched says nothing about the token:
    // the caller must not be told its token is bad (a 401 storm would hide an outage).
    if (typeof rules.key === "function" && isKeySetUnavailable(error)) throw error;
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

/** A timeout or a network error while fetching the issuer's keys (jose's own errors are the token's). */
function isKeySetUnavailable(error: unknown): boolean {
  return error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError);
}
