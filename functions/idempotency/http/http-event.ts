import * as z from "zod";
import type { HeaderMap, MultiValueHeaderMap } from "./key";

/**
 * The parts of an API Gateway event the middleware reads. Structural, so
 * both HTTP API (payload 2.0) and REST API (payload 1.0) events fit.
 */
export interface IdempotentHttpEvent {
  readonly headers?: HeaderMap | null;
  readonly multiValueHeaders?: MultiValueHeaderMap | null;
  readonly body?: unknown;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  /** Payload 2.0: `POST /accounts/{accountId}/deposits`. */
  readonly routeKey?: string;
  readonly rawPath?: string;
  /** Payload 1.0. */
  readonly httpMethod?: string;
  readonly resource?: string;
  readonly requestContext?: {
    readonly http?: { readonly method?: string };
    readonly authorizer?: unknown;
  };
}

export function methodOf(event: IdempotentHttpEvent): string {
  return (event.requestContext?.http?.method ?? event.httpMethod ?? "").toUpperCase();
}

/** The route template: the same for every request to one route, whatever its parameters. */
export function routeOf(event: IdempotentHttpEvent): string {
  if (event.routeKey && event.routeKey !== "$default") return event.routeKey;
  if (event.resource) return `${methodOf(event)} ${event.resource}`;
  return `${methodOf(event)} ${event.rawPath ?? ""}`;
}

const subject = z.string().min(1);
const authorizerWithSubject = z.union([
  // HTTP API JWT authorizer (payload 2.0)
  z.object({ jwt: z.object({ claims: z.object({ sub: subject }) }) }),
  // REST API Cognito user pools authorizer (payload 1.0)
  z.object({ claims: z.object({ sub: subject }) }),
  // REST API Lambda authorizer (payload 1.0): its context, flat, beside principalId
  z.object({ principalId: z.string(), sub: subject }),
]);

/**
 * The caller, as the authorizer put it into the event: the `sub` claim of the
 * JWT. The middleware never verifies tokens; API Gateway did.
 */
export function principalFromAuthorizer(event: IdempotentHttpEvent): string | undefined {
  const parsed = authorizerWithSubject.safeParse(event.requestContext?.authorizer);
  if (!parsed.success) return undefined;
  const authorizer = parsed.data;
  if ("jwt" in authorizer) return authorizer.jwt.claims.sub;
  if ("claims" in authorizer) return authorizer.claims.sub;
  return authorizer.sub;
}
