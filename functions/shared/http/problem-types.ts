import { type FieldError, HttpProblem } from "./problem-details";

/**
 * The API's problem types (see the contract), one constructor each: every
 * public slug of the project is written here and nowhere else (the
 * idempotency layer's own, such as `idempotency-key-reused`, live with it).
 */
export const problems = {
  validation: (errors: readonly FieldError[], detail = "The request is not valid.") =>
    new HttpProblem(400, "validation-error", "Validation error", detail, {}, errors),
  malformedJson: (detail = "The body is not valid JSON.") =>
    new HttpProblem(400, "malformed-json", "Malformed JSON", detail),
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
  paymentInProgress: () =>
    new HttpProblem(
      409,
      "payment-in-progress",
      "Payment in progress",
      "A card payment of this order is at the payment processor; its outcome decides whether the order is paid.",
    ),
  /** The processor declined the card: stored, so the same key answers it again; pay under a new key. */
  cardDeclined: (declineCode: string) =>
    new HttpProblem(
      402,
      "card-declined",
      "Card declined",
      `The card was declined (${declineCode}). The order is still pending: pay it again under a new Idempotency-Key.`,
      {},
      undefined,
      { declineCode },
    ),
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
  /**
   * The processor's outcome is unknown (it timed out, failed or dropped the
   * connection), or its circuit is open: not stored; the same key resumes.
   */
  paymentProcessorUnavailable: (retryAfterSeconds = 2) =>
    new HttpProblem(
      503,
      "payment-processor-unavailable",
      "Payment processor unavailable",
      "The payment processor's outcome is not known yet. Retry with the same Idempotency-Key after the delay in Retry-After: the payment is resumed, never made twice.",
      { "retry-after": String(retryAfterSeconds) },
    ),
  webhookSignatureInvalid: () =>
    new HttpProblem(
      400,
      "webhook-signature-invalid",
      "Webhook signature invalid",
      "The Stripe-Signature header is missing, does not match the payload, or is older than the tolerance.",
    ),
  /** A retry can cure it: DynamoDB unreachable, throttled or too slow, a race lost too often. */
  serviceUnavailable: (retryAfterSeconds = 1) =>
    new HttpProblem(
      503,
      "service-unavailable",
      "Service unavailable",
      "The service is busy. Retry after the delay in Retry-After.",
      { "retry-after": String(retryAfterSeconds) },
    ),
};

/**
 * The answers API Gateway gives itself, before or instead of a function's, as
 * problem details in the same format as the handlers' own errors: the REST
 * API's gateway responses on AWS and the local gateway's answers are built
 * from these, so a client sees one 401, one 404 and one 429 wherever it runs.
 */

/** API Gateway's payload limit; the app's 64 KiB limit is the handlers' job. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export const gatewayProblems = {
  notFound: () =>
    new HttpProblem(404, "not-found", "Not found", "No route matches this method and path."),
  /** `method` may be a template variable on AWS (`$context.httpMethod`). */
  methodNotAllowed: (method: string, allowed: readonly string[]) =>
    new HttpProblem(
      405,
      "method-not-allowed",
      "Method not allowed",
      `${method} is not allowed here; use ${allowed.join(" or ")}.`,
      { allow: allowed.join(", ") },
    ),
  // The same answers the handlers give, so a client sees one 401 and one 413.
  unauthorized: problems.unauthorized,
  payloadTooLarge: () => problems.payloadTooLarge(API_GATEWAY_MAX_BODY_BYTES),
  unsupportedMediaType: problems.unsupportedMediaType,
  invalidRequest: () =>
    problems.validation([], "API Gateway refused the request's parameters or body."),
  /** A credential API Gateway refuses outright (a denying policy, a firewall rule). */
  forbidden: () =>
    new HttpProblem(403, "forbidden", "Forbidden", "The request is not allowed for this caller."),
  /** Any other client error API Gateway reports itself. */
  badRequest: () =>
    new HttpProblem(400, "bad-request", "Bad request", "API Gateway could not accept the request."),
  rateLimited: (retryAfterSeconds: number) =>
    new HttpProblem(
      429,
      "rate-limited",
      "Too many requests",
      "The API's request rate limit was exceeded. Retry after the delay in Retry-After.",
      { "retry-after": String(retryAfterSeconds) },
    ),
  gatewayTimeout: () =>
    new HttpProblem(504, "gateway-timeout", "Gateway timeout", "The function timed out."),
};
