import { type FieldError, HttpProblem } from "./problem";

/**
 * The API's problem types (see the contract), one constructor each: every
 * public slug of the project is written here and nowhere else (the
 * idempotency layer's own, such as `idempotency-key-reused`, live with it).
 */
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
  // Business refusals: the request was understood and is refused by the rules of money.
  insufficientFunds: (what: string, balance: number, needed: number) =>
    new HttpProblem(
      409,
      "insufficient-funds",
      "Insufficient funds",
      `The balance of ${what} is ${balance}; this needs ${needed}.`,
    ),
  balanceLimitExceeded: (what: string) =>
    new HttpProblem(
      409,
      "balance-limit-exceeded",
      "Balance limit exceeded",
      `This would take ${what} over the largest balance an account may hold.`,
    ),
  currencyMismatch: (detail: string) =>
    new HttpProblem(409, "currency-mismatch", "Currency mismatch", detail),
  invalidStateTransition: (status: string) =>
    new HttpProblem(
      409,
      "invalid-state-transition",
      "Invalid state transition",
      `The order is ${status}; it cannot make this move.`,
    ),
  orderAlreadyPaid: () =>
    new HttpProblem(409, "order-already-paid", "Order already paid", "The order was already paid."),
  refundExceedsPayment: (refundable: number) =>
    new HttpProblem(
      409,
      "refund-exceeds-payment",
      "Refund exceeds payment",
      `At most ${refundable} of the payment is left to refund.`,
    ),
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
