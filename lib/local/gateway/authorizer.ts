import type { APIGatewayEventRequestContextJWTAuthorizer } from "aws-lambda";
import { jwtVerify } from "jose";

/**
 * The JWT authorizer of an HTTP API: a valid HS256 bearer token with `exp` and
 * `sub` becomes the claims and scopes handed to the handler; anything else is
 * rejected before the handler runs.
 */

export interface Authorization {
  readonly ok: true;
  readonly authorizer: APIGatewayEventRequestContextJWTAuthorizer;
}

export interface Rejection {
  readonly ok: false;
  /** Decides the `WWW-Authenticate` challenge: a bad token gets `invalid_token`. */
  readonly tokenSent: boolean;
}

/**
 * `authorization` is every `Authorization` header line of the request
 * (`headersDistinct`, not `headers`, which keeps only the first); `key` the
 * HS256 secret's bytes.
 */
export async function authorizeBearerToken(
  authorization: readonly string[] | undefined,
  key: Uint8Array,
): Promise<Authorization | Rejection> {
  // Exactly one credential: with two, which caller is it? API Gateway joins
  // repeated lines with a comma into a value no token verifies.
  if (authorization !== undefined && authorization.length > 1) {
    return { ok: false, tokenSent: true };
  }
  const match = /^Bearer\s+(.*)$/i.exec(authorization?.[0] ?? "");
  const token = match?.[1]?.trim() ?? "";
  if (token === "") return { ok: false, tokenSent: false };
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      requiredClaims: ["exp", "sub"],
    });
    if (typeof payload.sub !== "string" || payload.sub === "") {
      return { ok: false, tokenSent: true };
    }
    const claims = Object.fromEntries(
      Object.entries(payload).map(([name, value]) => [name, claimAsString(value)]),
    );
    return {
      ok: true,
      authorizer: {
        principalId: "",
        integrationLatency: 0,
        jwt: { claims, scopes: scopesOf(payload) },
      },
    };
  } catch {
    // Bad signature, expired, malformed: all the same to the caller.
    return { ok: false, tokenSent: true };
  }
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
