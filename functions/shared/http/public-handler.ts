import middy from "@middy/core";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { HttpResponse } from "../../idempotency";
import { type Logger, withCorrelationId } from "../logger";
import { problemErrors } from "./problem-errors-middleware";

/** A route outside the authorizer (health, OpenAPI): errors still render as problems. */
export function createPublicHandler(
  logger: Logger,
  handle: () => Promise<unknown>,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse> {
  const handler = middy(handle).use(problemErrors({ logger }));
  return (event, context) =>
    withCorrelationId(event.requestContext?.requestId ?? context.awsRequestId, () =>
      handler(event, context),
    ) as Promise<HttpResponse>;
}
