/**
 * RFC 9457 problem details. Every error answer of the API is one of these,
 * rendered once, by {@link problemErrors}.
 */

/** Base of every problem `type` URI; the slug follows. */
export const PROBLEM_TYPE_BASE = "https://payments.example.com/problems/";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface FieldError {
  /** Dotted path of the offending field, such as `items.0.quantity`. */
  readonly path: string;
  readonly message: string;
}

/**
 * An error that is an HTTP answer. `expose` follows the Middy/http-errors
 * convention: client errors are shown as they are, server errors are not.
 */
export class HttpProblem extends Error {
  readonly expose: boolean;
  constructor(
    readonly statusCode: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly errors?: readonly FieldError[],
    /** Members of the problem beyond the standard ones (RFC 9457 §3.2), such as `declineCode`. */
    readonly extensions?: Readonly<Record<string, string | number>>,
  ) {
    super(detail);
    this.name = "HttpProblem";
    this.expose = statusCode < 500;
  }
}

/** What the renderer needs of an error; the idempotency layer's errors fit too. */
export interface ProblemLike {
  readonly statusCode: number;
  readonly expose: boolean;
  readonly slug: string;
  readonly title: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly errors?: readonly FieldError[];
  readonly extensions?: Readonly<Record<string, string | number>>;
}

export function isProblemLike(error: unknown): error is ProblemLike {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<ProblemLike>;
  return (
    typeof candidate.statusCode === "number" &&
    candidate.statusCode >= 400 &&
    candidate.statusCode <= 599 &&
    typeof candidate.slug === "string" &&
    typeof candidate.title === "string"
  );
}

const SERVER_ERROR_DETAIL: Readonly<Record<number, string>> = {
  503: "The service is temporarily unavailable. Retry after the delay in Retry-After.",
};
const DEFAULT_SERVER_ERROR_DETAIL = "The server could not complete the request.";

export interface ProblemResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/**
 * Renders a problem. Client errors are shown as they are. Server errors keep
 * their status, type and headers (a 503 with Retry-After says when to come
 * back) but never their message; any other 500 is plain `internal-error`.
 */
export function renderProblem(problem: ProblemLike): ProblemResponse {
  const shown = problem.statusCode < 500 && problem.expose;
  const opaque = !shown && problem.statusCode === 500;
  const body = {
    type: `${PROBLEM_TYPE_BASE}${opaque ? "internal-error" : problem.slug}`,
    title: opaque ? "Internal error" : problem.title,
    status: problem.statusCode,
    detail: shown
      ? problem.message
      : (SERVER_ERROR_DETAIL[problem.statusCode] ?? DEFAULT_SERVER_ERROR_DETAIL),
    ...(shown && problem.errors ? { errors: problem.errors } : {}),
    ...(shown && problem.extensions ? problem.extensions : {}),
  };
  return {
    statusCode: problem.statusCode,
    headers: { ...problem.headers, "content-type": PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export const internalError = (): ProblemLike =>
  new HttpProblem(500, "internal-error", "Internal error", DEFAULT_SERVER_ERROR_DETAIL);
