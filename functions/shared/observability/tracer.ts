import { Tracer } from "@aws-lambda-powertools/tracer";

/**
 * The function's X-Ray tracer (Powertools). Disabled outside Lambda, so the
 * same code runs locally and in tests without a daemon. Its service name is
 * POWERTOOLS_SERVICE_NAME, which the stack sets per function.
 */
export const tracer = new Tracer();

/** An AWS SDK v3 client whose calls show as subsegments of the invocation's trace. */
export function traced<TClient>(client: TClient): TClient {
  return tracer.captureAWSv3Client(client);
}
