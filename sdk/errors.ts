import type { FieldError, ProblemDetails } from "./problem-body";
import { slugOf } from "./problem-body";

/** What every error of the client says about the call it ended. */
export abstract class PaymentsApiError extends Error {
  constructor(
    message: string,
    /** The operation, as named in the OpenAPI document (`createDeposit`). */
    readonly operationId: string,
    /**
     * The Idempotency-Key every attempt of a write carried (undefined for
     * reads). Call again with `{ idempotencyKey }` set to it: if the write
     * happened, you get its answer; if not, it happens now, once.
     */
    readonly idempotencyKey: string | undefined,
    /** How many requests were sent. */
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The API answered with a problem (RFC 9457), final or retried until the budget ran out. */
export class PaymentsApiProblem extends PaymentsApiError {
  readonly status: number;
  /** `type`'s last path segment: `insufficient-funds`, `idempotency-key-reused`, ... */
  readonly slug: string;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  /** On validation-error: one entry per invalid field. */
  readonly errors: readonly FieldError[];
  /** What the last answer's Retry-After asked for, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    problem: ProblemDetails,
    call: { operationId: string; idempotencyKey: string | undefined; attempts: number },
    retryAfterMs?: number,
  ) {
    super(
      `${call.operationId}: ${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`,
      call.operationId,
      call.idempotencyKey,
      call.attempts,
    );
    this.status = problem.status;
    this.type = problem.type;
    this.slug = slugOf(problem.type);
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.retryAfterMs = retryAfterMs;
  }
}

/** No answer came back (the connection failed, or the budget ran out during an attempt). */
export class PaymentsApiNetworkError extends PaymentsApiError {
  constructor(
    cause: unknown,
    call: { operationId: string; idempotencyKey: string | undefined; attempts: number },
  ) {
    super(
      `${call.operationId}: no answer after ${call.attempts} attempt(s): ${describe(cause)}`,
      call.operationId,
      call.idempotencyKey,
      call.attempts,
      { cause },
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
