import type { IdempotencyError } from "../core/errors";
import type { HttpResult } from "./response";

const STATUS_PHRASES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  409: "Conflict",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * The default rendering of a refusal: RFC 9457 problem+json. `about:blank`
 * says the status tells what happened, so the title is the status phrase;
 * the layer's own slug goes in the `code` extension member.
 */
export function renderProblemAnswer(error: IdempotencyError): HttpResult {
  return {
    statusCode: error.statusCode,
    headers: { ...error.headers, "content-type": "application/problem+json" },
    body: JSON.stringify({
      type: "about:blank",
      title: STATUS_PHRASES[error.statusCode] ?? "Error",
      status: error.statusCode,
      detail: error.expose ? error.message : undefined,
      code: error.slug,
    }),
  };
}
