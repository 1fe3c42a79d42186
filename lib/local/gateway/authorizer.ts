import type { APIGatewayEventRequestContextJWTAuthorizer } from "aws-lambda";
import { type TokenRules, verifyToken } from "./token-verifier";

/**
 * The JWT authorizer of an HTTP API: exactly one `Authorization: Bearer`
 * header with a token that passes {@link verifyToken} becomes the claims and
 * scopes handed to the handler; anything else is rejected before the handler
 * runs (and before the body is read).
 */

export interface Authorization {
  readonly ok: true;
  readonly authorizer: APIGatewayEventRequestContextJWTAuthorizer;
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
  // Exactly one credential: with two, which caller is it? API Gateway joins
  // repeated lines with a comma into a value no token verifies.
  if (authorization !== undefined && authorization.length > 1) {
    return { ok: false, tokenSent: true, reason: "more than one Authorization header" };
  }
  const match = /^Bearer\s+(.*)$/i.exec(authorization?.[0] ?? "");
  const token = match?.[1]?.trim() ?? "";
  if (token === "") return { ok: false, tokenSent: false, reason: "no bearer token" };
  const verification = await verifyToken(token, rules);
  if (!verification.ok) return { ok: false, tokenSent: true, reason: verification.reason };
  const { claims } = verification;
  return {
    ok: true,
    authorizer: {
      principalId: "",
      integrationLatency: 0,
      jwt: {
        claims: Object.fromEntries(
          Object.entries(claims).map(([name, value]) => [name, claimAsString(value)]),
        ),
        scopes: scopesOf(claims),
      },
    },
  };
}

/** API Gateway hands claims over as strings; arrays look like `[a b]`. */
function claimAsString(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map(claimAsString).join(" ")}]`;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const { scope, scp } = claims;
  if (typeof scope === "string") return scope.split(" ").filter((item) => item !== "");
  if (Array.isArray(scp)) return scp.filter((item): item is string => typeof item === "string");
  return [];
}
