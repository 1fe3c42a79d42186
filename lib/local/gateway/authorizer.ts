import { claimsAsStrings } from "../../../functions/authorizer/claims-context";
import { type TokenRules, verifyToken } from "../../../functions/authorizer/token-verifier";

/**
 * The REST API's authorizer, locally: exactly one `Authorization: Bearer`
 * header with a token that passes {@link verifyToken} becomes the claims
 * handed to the handler, where the Cognito user pools authorizer puts them
 * (`requestContext.authorizer.claims`); anything else is rejected before the
 * handler runs (and before the body is read).
 */

export interface Authorization {
  readonly ok: true;
  /** Every claim as a string, `sub` among them. */
  readonly claims: Record<string, string>;
}

export interface Rejection {
  readonly ok: false;
  /** Decides the `WWW-Authenticate` challenge: a bad token gets `invalid_token`. */
  readonly tokenSent: boolean;
  /** Why, for the request log; never the token itself. */
  readonly reason: string;
}

/**
 * `authorization` is every `Authorization` header line of the request
 * (`headersDistinct`, not `headers`, which keeps only the first).
 */
export async function authorizeBearerToken(
  authorization: readonly string[] | undefined,
  rules: TokenRules,
): Promise<Authorization | Rejection> {
  // Exactly one credential: with two, which caller is it?
  if (authorization !== undefined && authorization.length > 1) {
    return { ok: false, tokenSent: true, reason: "more than one Authorization header" };
  }
  const match = /^Bearer\s+(.*)$/i.exec(authorization?.[0] ?? "");
  const token = match?.[1]?.trim() ?? "";
  if (token === "") return { ok: false, tokenSent: false, reason: "no bearer token" };
  const verification = await verifyToken(token, rules);
  if (!verification.ok) return { ok: false, tokenSent: true, reason: verification.reason };
  return { ok: true, claims: claimsAsStrings(verification.claims) };
}
