/**
 * Errors of the idempotency layer. Each carries the HTTP answer it stands for
 * (`statusCode`, `expose`, a problem type `slug`, `headers`) so any error
 * middleware that understands the Middy/http-errors convention renders it;
 * the project renders them as RFC 9457 problem+json.
 */
export abstract class IdempotencyError extends Error {
  abstract readonly statusCode: number;
  /** Problem type slug: the URI of the type ends in `/problems/<slug>`. */
  abstract readonly slug: string;
  abstract readonly title: string;
  readonly headers: Readonly<Record<string, string>> = {};

  /** Client errors are shown to the caller; server errors are not. */
  get expose(): boolean {
    return this.statusCode < 500;
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class IdempotencyKeyMissingError extends IdempotencyError {
  readonly statusCode = 400;
  readonly slug = "idempotency-key-missing";
  readonly title = "Idempotency-Key header is required";
  constructor() {
    super(
      "This request changes state: send an Idempotency-Key header so that it is safe to retry.",
    );
  }
}

export class IdempotencyKeyInvalidError extends IdempotencyError {
  readonly statusCode = 400;
  readonly slug = "idempotency-key-invalid";
  readonly title = "Idempotency-Key header is invalid";
}

export class IdempotencyKeyReusedError extends IdempotencyError {
  readonly statusCode = 422;
  readonly slug = "idempotency-key-reused";
  readonly title = "Idempotency-Key was already used for a different request";
  constructor() {
    super(
      "This key was used for a request with another method, route, path or body. Use a new key for a new request.",
    );
  }
}

export class IdempotencyKeyInProgressError extends IdempotencyError {
  readonly statusCode = 409;
  readonly slug = "idempotency-key-in-progress";
  readonly title = "A request with this Idempotency-Key is still in progress";
  override readonly headers: Readonly<Record<string, string>>;
  constructor(
    readonly retryAfterSeconds: number,
    detail = "The first request with this key has not finished. Retry after the delay in Retry-After to get its answer.",
  ) {
    super(detail);
    this.headers = { "retry-after": String(retryAfterSeconds) };
  }
}

/**
 * This attempt's lease was taken over by a retry (it ran past its lease), so
 * it may no longer complete the record. Answered like a duplicate in progress:
 * the caller retries and gets the answer of the attempt that owns the key.
 */
export class IdempotencyLeaseLostError extends IdempotencyKeyInProgressError {
  constructor() {
    super(
      1,
      "This attempt outlived its lease and another attempt took the key over. Retry to get its answer.",
    );
  }
}

export class IdempotencyStoreUnavailableError extends IdempotencyError {
  readonly statusCode = 503;
  readonly slug = "idempotency-store-unavailable";
  readonly title = "Idempotency store unavailable";
  override readonly headers: Readonly<Record<string, string>>;
  constructor(
    retryAfterSeconds: number,
    options?: ErrorOptions,
    detail = "The request was not run because its idempotency could not be guaranteed. Retry later.",
  ) {
    super(detail, options);
    this.headers = { "retry-after": String(retryAfterSeconds) };
  }
}

/**
 * The store refused a request in a way no retry can cure (a request it finds
 * invalid, a missing table, a missing permission): a bug or a misconfiguration,
 * answered 500 and logged, never a 503 that would send clients into retrying
 * forever.
 */
export class IdempotencyStoreError extends IdempotencyError {
  readonly statusCode = 500;
  readonly slug = "internal-error";
  readonly title = "Internal error";
  constructor(options?: ErrorOptions) {
    super("The idempotency store refused the request; retrying cannot help.", options);
  }
}

/** The handler's answer is too large to store; see `maxStoredBodyBytes`. */
export class IdempotencyResponseTooLargeError extends IdempotencyError {
  readonly statusCode = 500;
  readonly slug = "internal-error";
  readonly title = "Internal error";
}

/** The middleware is used in a way it cannot keep its promise (a programming error). */
export class IdempotencyConfigurationError extends IdempotencyError {
  readonly statusCode = 500;
  readonly slug = "internal-error";
  readonly title = "Internal error";
}

/**
 * The business writes of a commit were refused by one of their own
 * conditions (say, a balance that would go negative, or a version that moved
 * on) or by a concurrent transaction on the same items. Nothing was written:
 * read again and decide again. Under the lease strategy the key stays
 * claimed; under the commit strategy nothing was ever written for it.
 */
export class BusinessWriteRejectedError extends Error {
  constructor(
    /** One entry per business write, in order; `failed` marks those whose condition failed. */
    readonly reasons: readonly BusinessWriteRejection[],
    options?: ErrorOptions,
  ) {
    super("A condition of the business writes failed; nothing was written.", options);
    this.name = "BusinessWriteRejectedError";
  }
}

export interface BusinessWriteRejection {
  readonly failed: boolean;
  /** DynamoDB's cancellation reason code, such as `ConditionalCheckFailed`. */
  readonly code?: string;
  /** The item as it was, when the write asked for it (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). */
  readonly item?: Record<string, unknown>;
}
