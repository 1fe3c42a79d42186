import type { HttpResponse } from "../../idempotency";

/**
 * Headers that every answer of a route carries, whatever made it: the
 * handler, a replay of a stored answer, or a rendered problem. Set on the
 * way out, so no path can miss them, and not stored with a record.
 */
export function withAnswerHeaders(
  response: HttpResponse,
  options: { readonly noStore: boolean },
): HttpResponse {
  return {
    ...response,
    headers: {
      ...response.headers,
      // No browser may guess a content type other than the one declared.
      "x-content-type-options": "nosniff",
      // Account and money data must not stay in a shared or browser cache.
      ...(options.noStore ? { "cache-control": "no-store" } : {}),
    },
  };
}
