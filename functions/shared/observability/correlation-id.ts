import type { Context } from "aws-lambda";

/** The part of an event the correlation id comes from: API Gateway's request context. */
export interface CorrelatedEvent {
  readonly requestContext?: { readonly requestId?: string };
}

/**
 * A request's correlation id, in every log line and every outbox event of
 * the request: API Gateway's request id, or Lambda's where the event has
 * none. `||`, not `??`: an empty request id would be an id shared by every
 * such request, which correlates nothing.
 */
export function correlationIdOf(
  event: CorrelatedEvent | undefined,
  context: Pick<Context, "awsRequestId">,
): string {
  return event?.requestContext?.requestId || context.awsRequestId;
}
