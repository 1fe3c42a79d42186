import middy from "@middy/core";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { HttpResponse } from "../../idempotency";
import { type Logger, withCorrelationId } from "../logger";
import { withAnswerHeaders } from "./answer-headers";
import { problemErrors } from "./problem-errors-middleware";

/** A route outside the authorizer (health, OpenAPI, docs): errors still render as problems. */
export function createPublicHandler(
  logger: Logger,
  handle: (event: APIGatewayProxyEventV2) => Promise<unknown>,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse> {
  const handler = middy(handle).use(problemErrors({ logger }));
  return async (event, context) => {
    const response = (await withCorrelationId(
      event.requestContext?.requestId ?? context.awsRequestId,
      () => handler(event, context),
    )) as HttpResponse;
    return withAnswerHeaders(response, { noStore: false });
  };
}
