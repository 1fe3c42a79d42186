import { type FieldError, HttpProblem } from "./problem";

/** The API's problem types (see the contract), one constructor each. */
export const problems = {
  validation: (errors: readonly FieldError[], detail = "The request is not valid.") =>
    new HttpProblem(400, "validation-error", "Validation error", detail, {}, errors),
  malformedJson: () =>
    new HttpProblem(400, "malformed-json", "Malformed JSON", "The body is not valid JSON."),
  unauthorized: (tokenSent: boolean) =>
    new HttpProblem(401, "unauthorized", "Unauthorized", "A valid bearer token is required.", {
      "www-authenticate": tokenSent ? 'Bearer error="invalid_token"' : "Bearer",
    }),
  notFound: (what: string) =>
    new HttpProblem(404, "not-found", "Not found", `${what} was not found.`),
  conflict: (slug: string, title: string, detail: string) =>
    new HttpProblem(409, slug, title, detail),
  preconditionFailed: () =>
    new HttpProblem(
      412,
      "precondition-failed",
      "Precondition failed",
      "The resource changed since you read it: If-Match does not match its current ETag.",
    ),
  payloadTooLarge: (limitBytes: number) =>
    new HttpProblem(
      413,
      "payload-too-large",
      "Payload too large",
      `The body must not exceed ${limitBytes} bytes.`,
    ),
  unsupportedMediaType: () =>
    new HttpProblem(
      415,
      "unsupported-media-type",
      "Unsupported media type",
      "Send the body as application/json.",
    ),
  preconditionRequired: () =>
    new HttpProblem(
      428,
      "precondition-required",
      "Precondition required",
      'Send If-Match with the ETag of the version you read (for example If-Match: "3").',
    ),
  serviceUnavailable: (retryAfterSeconds: number) =>
    new HttpProblem(
      503,
      "service-unavailable",
      "Service unavailable",
      "The service is busy. Retry after the delay in Retry-After.",
      { "retry-after": String(retryAfterSeconds) },
    ),
};
