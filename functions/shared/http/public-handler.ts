import middy from "@middy/core";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { HttpResponse } from "../../idempotency";
import { type Observability, observeRequests } from "../observability/observe-requests";
import { withAnswerHeaders } from "./answer-headers";
import { problemErrors } from "./problem-errors-middleware";

/** A route outside the authorizer (health, OpenAPI, docs): observed, and errors still render as problems. */
export function createPublicHandler(
  observability: Observability,
  handle: (event: APIGatewayProxyEventV2) => Promise<unknown>,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse> {
  const handler = middy(handle)
    .use(observeRequests(observability))
    .use(problemErrors({ logger: observability.logger }));
  return async (event, context) => {
    const response = (await handler(event, context)) as HttpResponse;
    return withAnswerHeaders(response, { noStore: false });
  };
}
