/**
 * The processor refused a request as our own fault (the same idempotency key
 * with other parameters, an invalid API key, a malformed request): a bug or a
 * misconfiguration, not an outcome. Retrying cannot cure it; the route
 * answers 500 and logs it. Carries what identifies the refusal, never the
 * request's body or the API key.
 */
export class ProcessorRequestError extends Error {
  override readonly name = "ProcessorRequestError";

  constructor(
    readonly operation: "charge" | "refund",
    readonly details: {
      readonly statusCode: number | undefined;
      /** The processor's error type, e.g. `idempotency_error`. */
      readonly type: string | undefined;
      readonly code: string | undefined;
      readonly requestId: string | undefined;
    },
    options?: ErrorOptions,
  ) {
    super(
      `The payment processor refused the ${operation} request (${details.statusCode ?? "no status"} ${details.type ?? ""}${details.code ? `/${details.code}` : ""})`,
      options,
    );
  }
}
