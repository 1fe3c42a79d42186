import middy, { type MiddlewareObj } from "@middy/core";
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  Context,
} from "aws-lambda";
import * as z from "zod";
// Types, the principal reader and one error, from their modules: a route
// without idempotency bundles none of the rest of the layer (its store).
import type { Commit, HttpResponse, HttpResult, IdempotentContext } from "../../idempotency";
import { IdempotencyConfigurationError } from "../../idempotency/core/errors";
import { principalFromAuthorizer } from "../../idempotency/http/http-event";
import { isIdempotent, type RouteDefinition } from "../../routes";
import { correlationIdOf } from "../observability/correlation-id";
import { type Observability, observeRequests } from "../observability/observe-requests";
import { type AttemptPhases, commitAsAnswer, type WritePorts } from "../write-ports";
import { withAnswerHeaders } from "./answer-headers";
import { corsPolicyFromEnvironment, withCorsHeaders } from "./cors-policy";
import { headerLines } from "./event-headers";
import {
  assertBodySize,
  type IfMatch,
  parseIfMatch,
  parseJsonBody,
  parsePathParameters,
  parseQuery,
} from "./parse-request";
import { problemErrors } from "./problem-errors-middleware";
import { problems } from "./problem-types";

/**
 * A handler still waiting this close to the invocation's deadline (DynamoDB
 * hangs) is answered 503 with Retry-After by Middy's early timeout, instead
 * of Lambda cutting it off into API Gateway's 502 or 504, which say less.
 */
const ANSWER_BEFORE_DEADLINE_MS = 500;

export interface RouteSchemas {
  readonly body?: z.ZodType;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
}

type Parsed<T> = T extends z.ZodType ? z.infer<T> : undefined;

const NO_QUERY_PARAMETERS = z.strictObject({});

/** The route's query; a route without a query schema takes no parameter: any is 400, never ignored. */
function queryOf<S extends RouteSchemas>(event: HttpEvent, schema: S["query"]): Parsed<S["query"]> {
  const query = parseQuery(event, schema ?? NO_QUERY_PARAMETERS);
  return (schema ? query : undefined) as Parsed<S["query"]>;
}

/** A request after authentication and validation: what the route reads its use case's input from. */
export interface HttpRequest<S extends RouteSchemas> {
  /** The caller: the JWT's `sub`, as the authorizer verified it. */
  readonly caller: string;
  /** The API Gateway request id: in every log line and every outbox event of the request. */
  readonly correlationId: string;
  readonly body: Parsed<S["body"]>;
  readonly params: Parsed<S["params"]>;
  readonly query: Parsed<S["query"]>;
  /** Present when the route asked for it (`requireIfMatch`). */
  readonly ifMatch?: IfMatch;
}

/**
 * The event a handler receives: what the stack's REST API sends (a Lambda
 * proxy event, payload 1.0). Payload 2.0 (an HTTP API) is still understood
 * (the event readers take both) and typed, for the benchmarks, which drive
 * the handlers with it.
 */
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2WithJWTAuthorizer;

export type LambdaHttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;

/** A Middy middleware that makes a route idempotent. */
export type IdempotencyMiddleware<TWrite> = MiddlewareObj<
  HttpEvent,
  HttpResponse,
  Error,
  IdempotentContext<TWrite>
>;

/**
 * What a route's use case may do besides reading: commit its result
 * exactly once, and (lease strategy) advance through its phases.
 */
export interface RoutePorts<TWrite, TResult> extends WritePorts<TWrite, TResult> {
  /** The attempt's phases, for a route under the idempotency layer. */
  readonly phases: AttemptPhases<TWrite> | undefined;
}

/** What a request's use case commits through: its answer, and (lease strategy) its phases. */
export interface RouteAttempt<TWrite> {
  readonly commit: Commit<TWrite, HttpResult>;
  readonly phases?: AttemptPhases<TWrite>;
}

/** The idempotency middleware's handle, as the route's attempt. */
function layerAttempt<TWrite>(
  context: IdempotentContext<TWrite>,
): RouteAttempt<TWrite> | undefined {
  const handle = context.idempotency;
  return handle && { commit: handle.commit, phases: handle };
}

export interface HttpHandlerOptions<S extends RouteSchemas, TWrite, TResult> {
  readonly route: RouteDefinition;
  readonly schemas: S;
  /** Name of the resource the path parameters point at, for 404s. */
  readonly resourceName?: string;
  /** The route needs `If-Match` (428 without it). */
  readonly requireIfMatch?: boolean;
  /**
   * The idempotency layer, required for idempotent routes: this project's
   * `idempotency()` as the composition root builds it (composeRoute),
   * or another Middy middleware (the benchmarks plug Powertools' in here).
   */
  readonly idempotency?: IdempotencyMiddleware<TWrite>;
  /**
   * The attempt the use case commits through: the benchmarks plug a
   * stand-in here for layers that hand none.
   * @default the idempotency middleware's handle (`context.idempotency`)
   */
  readonly attemptOf?: (context: IdempotentContext<TWrite>) => RouteAttempt<TWrite> | undefined;
  /** The function's Powertools Logger and Metrics. */
  readonly observability: Observability;
  /** Runs the route's use case: a domain value, or a thrown refusal. */
  readonly handle: (
    request: HttpRequest<S>,
    ports: RoutePorts<TWrite, TResult>,
  ) => Promise<TResult>;
  /** THE place the route's result becomes HTTP: status, `Location`, `ETag`, body. */
  readonly respond: (result: TResult) => HttpResult;
}

/**
 * Wires an authenticated route: observation (logs, metrics, traces), request
 * parsing and validation (rejections are never stored), then the
 * idempotency middleware for idempotent routes, then the problem renderer,
 * registered last so it renders first on error.
 */
export function createHttpHandler<S extends RouteSchemas, TWrite, TResult>(
  options: HttpHandlerOptions<S, TWrite, TResult>,
): LambdaHttpHandler {
  const { route, schemas, observability } = options;
  if (isIdempotent(route) && !options.idempotency) {
    throw new Error(`Route ${route.id} is idempotent but has no idempotency store`);
  }
  // Validated requests, keyed by their event: computed once, before the claim.
  const validated = new WeakMap<object, HttpRequest<S>>();

  const validate = {
    before: async (request: { event: HttpEvent; context: Context }) => {
      const { event } = request;
      const caller = principalFromAuthorizer(event);
      const credentials = headerLines(event, "authorization");
      // The authorizer saw one of two lines: which caller would it be? (401, as locally)
      if (!caller || credentials.length > 1) throw problems.unauthorized(credentials.length > 0);
      assertBodySize(event);
      const parsed = {
        caller,
        // API Gateway always sends one; the Lambda request id stands in otherwise.
        correlationId: correlationIdOf(event, request.context),
        params: (schemas.params
          ? parsePathParameters(event, schemas.params, options.resourceName ?? "The resource")
          : undefined) as Parsed<S["params"]>,
        query: queryOf<S>(event, schemas.query),
        body: (schemas.body ? parseBody(event, schemas.body) : undefined) as Parsed<S["body"]>,
        ...(options.requireIfMatch ? { ifMatch: parseIfMatch(event) } : {}),
      };
      validated.set(event, parsed);
    },
  };

  /**
   * The body, validated. Its JSON value replaces the text on the event (as
   * Middy's JSON body parser does), so the idempotency middleware
   * fingerprints it without parsing the body a second time.
   */
  const parseBody = (event: HttpEvent, schema: z.ZodType) => {
    const { json, body } = parseJsonBody(event, schema);
    Object.assign(event, { body: json, rawBody: event.body });
    return body;
  };

  /** The request's ports: its result is committed as the route's answer to it. */
  const portsOf = (
    request: HttpRequest<S>,
    context: IdempotentContext<TWrite>,
  ): RoutePorts<TWrite, TResult> => {
    const attempt = (options.attemptOf ?? layerAttempt)(context);
    return {
      commit: commitAsAnswer(attempt?.commit ?? notIdempotent, options.respond),
      phases: attempt?.phases,
      now: () => new Date(),
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      correlationId: request.correlationId,
      identity: attempt?.phases?.identity,
    };
  };

  const handler = middy(
    async (event: HttpEvent, context: IdempotentContext<TWrite>) => {
      const request = validated.get(event);
      if (!request) throw new Error("request was not validated");
      const result = await options.handle(request, portsOf(request, context));
      return options.respond(result);
    },
    { timeoutEarlyInMillis: ANSWER_BEFORE_DEADLINE_MS },
  );
  // First: their after and onError run last, on the final answer.
  handler.use(observeRequests(observability)).use(validate);
  if (options.idempotency) handler.use(options.idempotency);
  handler.use(problemErrors({ logger: observability.logger }));

  // Every authenticated route answers with the caller's accounts or money.
  const answerHeaders = { noStore: route.authenticated };
  const cors = corsPolicyFromEnvironment(process.env);
  return async (event, context) => {
    const response = (await handler(event, context as IdempotentContext<TWrite>)) as HttpResponse;
    return withCorsHeaders(withAnswerHeaders(response, answerHeaders), cors, event);
  };
}

const notIdempotent = async (): Promise<never> => {
  throw new IdempotencyConfigurationError("The route is not under the idempotency layer.");
};
