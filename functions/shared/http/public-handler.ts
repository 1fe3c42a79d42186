import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { HttpResponse } from "../../idempotency";
import { type Observability, observeRequests } from "../observability/observe-requests";
import { withAnswerHeaders } from "./answer-headers";
import { corsPolicyFromEnvironment, withCorsHeaders } from "./cors-policy";
import { problemErrors } from "./problem-errors-middleware";

/** A route outside the authorizer (health, OpenAPI, docs): observed, and errors still render as problems. */
export function createPublicHandler(
  observability: Observability,
  handle: (
    event: APIGatewayProxyEvent | APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<unknown>,
): (
  event: APIGatewayProxyEvent | APIGatewayProxyEventV2,
  context: Context,
) => Promise<HttpResponse> {
  const handler = middy(handle)
    .use(observeRequests(observability))
    .use(problemErrors({ logger: observability.logger }));
  const cors = corsPolicyFromEnvironment(process.env);
  return async (event, context) => {
    const response = (await handler(event, context)) as HttpResponse;
    return withCorsHeaders(withAnswerHeaders(response, { noStore: false }), cors, event);
  };
}
