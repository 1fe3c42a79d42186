import type { MiddlewareObj, Request } from "@middy/core";
import { Refused } from "../../domain/refusals";
// The classifier only: a route without idempotency bundles none of the rest of the layer.
import { classifyDynamoDbFailure } from "../../idempotency/stores/dynamodb-errors";
import { ProcessorOutcomeUnknownError } from "../../processor/processor-outcome-unknown-error";
import { MovementPendingError } from "../movement-pending-error";
import { RacesLostError } from "../races-lost-error";
import { internalError, isProblemLike, type ProblemLike, renderProblem } from "./problem-details";
import { problems } from "./problem-types";
import { problemOfRefusal } from "./refusal-problems";

export interface ProblemErrorsLogger {
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export interface ProblemErrorsOptions {
  readonly logger: ProblemErrorsLogger;
}

/**
 * Renders any error as RFC 9457 problem+json: a use case's refusal as its
 * problem type; typed errors with their status;
 * a DynamoDB failure a retry can cure (unreachable, timed out, throttled, a
 * race lost past its retries), at whatever step of the route it happened,
 * and an invocation about to run out of time, as 503 with Retry-After;
 * anything else as an opaque 500. Server errors are logged, never shown.
 * Register it LAST so it renders first (Middy runs onError in reverse) and
 * the idempotency middleware sees the rendered answer.
 */
export function problemErrors(options: ProblemErrorsOptions): MiddlewareObj {
  const onError = async (request: Request): Promise<void> => {
    if (request.response !== undefined && request.response !== null) return;
    const { error } = request;
    const problem = problemOf(error);
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

/** The problem an error is answered with: the one mapping, for the middleware and its doubles. */
export function problemOf(error: unknown): ProblemLike {
  if (error instanceof Refused) return problemOfRefusal(error.refusal);
  if (error instanceof ProcessorOutcomeUnknownError) return problems.paymentProcessorUnavailable();
  if (isProblemLike(error)) return error;
  if (
    error instanceof RacesLostError ||
    error instanceof MovementPendingError ||
    classifyDynamoDbFailure(error) === "unavailable" ||
    isInvocationTimeout(error)
  ) {
    return problems.serviceUnavailable();
  }
  return internalError();
}

/**
 * Middy ends a handler this close to the invocation's deadline with a
 * `TimeoutError` of its own (`timeoutEarlyInMillis`): nothing it started
 * answered in time, and a retry may find it quicker.
 */
function isInvocationTimeout(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== "TimeoutError") return false;
  return (error.cause as { package?: unknown } | undefined)?.package === "@middy/core";
}
