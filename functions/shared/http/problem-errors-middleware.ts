import type { MiddlewareObj, Request } from "@middy/core";
import { internalError, isProblemLike, renderProblem } from "./problem";

export interface ProblemErrorsLogger {
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export interface ProblemErrorsOptions {
  readonly logger: ProblemErrorsLogger;
}

/**
 * Renders any error as RFC 9457 problem+json: typed errors with their status,
 * anything else as an opaque 500 (logged, never shown). Register it LAST so
 * it renders first (Middy runs onError in reverse) and the idempotency
 * middleware sees the rendered answer.
 */
export function problemErrors(options: ProblemErrorsOptions): MiddlewareObj {
  const onError = async (request: Request): Promise<void> => {
    if (request.response !== undefined && request.response !== null) return;
    const { error } = request;
    const problem = isProblemLike(error) ? error : internalError();
    if (problem.statusCode >= 500) {
      options.logger.error("request failed", {
        statusCode: problem.statusCode,
        error: error?.name,
        errorMessage: error?.message,
        stack: error?.stack,
      });
    }
    request.response = renderProblem(problem);
  };
  return { onError };
}
