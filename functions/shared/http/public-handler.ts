import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { HttpResponse } from "../../idempotency";
import { type Logger, withCorrelationId } from "../logger";
import { withAnswerHeaders } from "./answer-headers";
import { corsPolicyFromEnvironment, withCorsHeaders } from "./cors-policy";
import { problemErrors } from "./problem-errors-middleware";

/** A route outside the authorizer (health, OpenAPI): errors still render as problems. */
export function createPublicHandler(
  logger: Logger,
  handle: () => Promise<unknown>,
): (
  event: APIGatewayProxyEvent | APIGatewayProxyEventV2,
  context: Context,
) => Promise<HttpResponse> {
  const handler = middy(handle).use(problemErrors({ logger }));
  const cors = corsPolicyFromEnvironment(process.env);
  return async (event, context) => {
    const response = (await withCorrelationId(
      event.requestContext?.requestId ?? context.awsRequestId,
      () => handler(event, context),
    )) as HttpResponse;
    return withCorsHeaders(withAnswerHeaders(response, { noStore: false }), cors, event);
  };
}
