import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { HttpResponse, IdempotencyOptions } from "../../functions/idempotency";
import { type IdempotentContext, idempotency } from "../../functions/idempotency";
import type { IdempotentHttpEvent } from "../../functions/idempotency/http/http-event";
import type { HttpEvent } from "../../functions/shared/http/http-handler";
import { renderProblem } from "../../functions/shared/http/problem-details";
import { problemErrors } from "../../functions/shared/http/problem-errors-middleware";
import { silentLogger } from "./lambda-fixtures";

export type TestHandlerBody<TWrite> = (
  event: IdempotentHttpEvent,
  context: IdempotentContext<TWrite>,
) => Promise<unknown>;

export interface CountedHandler {
  (event: HttpEvent, context: Context): Promise<HttpResponse>;
  /** How many times the handler body ran. */
  readonly executions: () => number;
}

/**
 * A handler wired the way the API's handlers are: idempotency, then the
 * problem renderer registered after it. Counts how often its body runs.
 */
export function idempotentHandler<TWrite>(
  options: IdempotencyOptions<TWrite>,
  body: TestHandlerBody<TWrite>,
): CountedHandler {
  let executions = 0;
  const handler = middy(
    async (event: IdempotentHttpEvent, context: IdempotentContext<TWrite>) => {
      executions += 1;
      return body(event, context);
    },
    // Middy's early timeout would abort a handler near its deadline and let
    // onError release the claim. These tests play a process that dies or
    // hangs past its deadline instead, where only the lease protects the key.
    { timeoutEarlyInMillis: 0 },
  )
    .use(idempotency({ logger: silentLogger, renderError: renderProblem, ...options }))
    .use(problemErrors({ logger: silentLogger }));
  const invoke = (event: HttpEvent, context: Context) =>
    handler(event, context) as Promise<HttpResponse>;
  return Object.assign(invoke, { executions: () => executions });
}

export const created = (body: object, headers: Record<string, string> = {}) => ({
  statusCode: 201,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
