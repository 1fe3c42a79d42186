import { routeById } from "../../../functions/routes";
import { createHttpHandler } from "../../../functions/shared/http/http-handler";
import { json } from "../../../functions/shared/http/responses";
import { correlationIdOf } from "../../../functions/shared/observability/correlation-id";
import { createObservability } from "../../../functions/shared/observability/create-observability";
import { lambdaContext, restApiEvent } from "../../support/lambda-fixtures";

const context = { awsRequestId: "lambda-request" };

describe("correlationIdOf", () => {
  it("is API Gateway's request id when the event has one", () => {
    expect(correlationIdOf({ requestContext: { requestId: "api-request" } }, context)).toBe(
      "api-request",
    );
  });

  it.each([
    ["an empty request id", { requestContext: { requestId: "" } }],
    ["no request id", { requestContext: {} }],
    ["no request context", {}],
    ["no event", undefined],
  ])("is Lambda's request id for an event with %s", (_, event) => {
    expect(correlationIdOf(event, context)).toBe("lambda-request");
  });
});

describe("a route's request and its log lines", () => {
  /** What the handle saw: the request's correlation id and the logger's. */
  async function correlationIdsFor(requestId: string, awsRequestId: string) {
    const observability = createObservability("correlation-test");
    const seen: { request?: string; logger?: unknown } = {};
    const handler = createHttpHandler({
      route: routeById("issueIdempotencyKey"),
      schemas: {},
      observability,
      handle: async (request) => {
        seen.request = request.correlationId;
        seen.logger = observability.logger.getCorrelationId();
      },
      respond: () => json(200, {}),
    });
    const event = restApiEvent({ method: "POST", route: "/idempotency-keys" });
    const answer = await handler(
      { ...event, requestContext: { ...event.requestContext, requestId } },
      { ...lambdaContext(), awsRequestId },
    );
    expect(answer.statusCode).toBe(200);
    return seen;
  }

  it("carry API Gateway's request id", async () => {
    await expect(correlationIdsFor("api-request", "lambda-request")).resolves.toEqual({
      request: "api-request",
      logger: "api-request",
    });
  });

  it("carry the same Lambda request id when API Gateway's is empty", async () => {
    await expect(correlationIdsFor("", "lambda-request")).resolves.toEqual({
      request: "lambda-request",
      logger: "lambda-request",
    });
  });
});
