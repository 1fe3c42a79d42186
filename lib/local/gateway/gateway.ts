import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import type { TokenRules } from "../../../functions/authorizer/token-verifier";
import { describeError } from "../../../functions/idempotency";
import {
  type CorsPolicy,
  corsPolicy,
  corsPreflightHeaders,
  staticCorsAnswerHeaders,
} from "../../../functions/shared/http/cors-policy";
import { internalError, type ProblemLike } from "../../../functions/shared/http/problem-details";
import {
  API_GATEWAY_MAX_BODY_BYTES,
  gatewayProblems,
} from "../../../functions/shared/http/problem-types";
import { createLogger, type Logger } from "../../../functions/shared/observability/logger";
import { DEFAULT_LOCAL_JWT_AUDIENCE, DEFAULT_LOCAL_JWT_ISSUER, localJwtKey } from "../jwt";
import { buildEvent, newRequestId, splitUrl } from "./api-gateway-event";
import { authorizeBearerToken } from "./authorizer";
import { callerKey } from "./caller-key";
import { CallerRateLimiter, type CallerRateLimitOptions } from "./caller-rate-limiter";
import { answerBytes, type GatewayAnswer, writeAnswer } from "./gateway-answer";
import { answerFromProblem } from "./gateway-problem-answer";
import type { GatewayRoute } from "./gateway-route";
import { lambdaContext } from "./lambda-context";
import { invoke } from "./lambda-invocation";
import { answerFromResult } from "./lambda-result";
import { GATEWAY_HOST } from "./local-deployment";
import { readBody } from "./request-body";
import { allMethods, compileRoutes, matchRoute } from "./route-matcher";

/**
 * The local stand-in for the stack's API Gateway (REST API, Lambda proxy
 * integrations, payload format 1.0, an authorizer on authenticated routes,
 * problem+json gateway responses, CORS preflights) in front of one Lambda
 * per route: it turns each HTTP request
 * into the event API Gateway would send, calls the route's handler with a
 * Lambda-like context and turns the result back into HTTP, the way API
 * Gateway does. No npm package does this faithfully without Docker or the
 * Serverless Framework (see the toolchain notes).
 */

/** API Gateway's own payload limit; the app's 64 KiB limit is the handlers' job. */
export const MAX_GATEWAY_BODY_BYTES = API_GATEWAY_MAX_BODY_BYTES;

export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  /** HS256 secret the bearer tokens are signed with. */
  readonly jwtSecret: string;
  /** The `iss` tokens must carry. @default DEFAULT_LOCAL_JWT_ISSUER, as signLocalToken signs */
  readonly jwtIssuer?: string;
  /** The `aud` tokens must carry. @default DEFAULT_LOCAL_JWT_AUDIENCE, as signLocalToken signs */
  readonly jwtAudience?: string;
  /** Which origins may call, as the stack's OPTIONS methods say. @default any origin */
  readonly cors?: CorsPolicy;
  /**
   * Each caller's request rate, checked before anything else, as the
   * stack's WAF rule: over it, 429 `rate-limited`. @default no limit
   */
  readonly callerRateLimit?: CallerRateLimitOptions;
  /** Lambda's timeout: past it the gateway answers 504. */
  readonly functionTimeoutMs: number;
  /** @default 0, a free port chosen by the OS */
  readonly port?: number;
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger("local-gateway");
  const tokenRules: TokenRules = {
    key: localJwtKey(options.jwtSecret),
    issuer: options.jwtIssuer ?? DEFAULT_LOCAL_JWT_ISSUER,
    audience: options.jwtAudience ?? DEFAULT_LOCAL_JWT_AUDIENCE,
  };
  const routes = compileRoutes(options.routes);
  const cors = options.cors ?? corsPolicy();
  const rateLimiter = options.callerRateLimit && new CallerRateLimiter(options.callerRateLimit);
  /** The gateway's own answers, with the CORS headers API Gateway's responses carry. */
  const own = (problem: ProblemLike) => answerFromProblem(problem, staticCorsAnswerHeaders(cors));
  let closing = false;
  /** The latest response on each connection, so that a refusal never overtakes it. */
  const latestResponses = new WeakMap<Duplex, ServerResponse>();
  /** Connections already refused: Node's parser may report one several times. */
  const refusedConnections = new WeakSet<Duplex>();

  /** `inviteBody` is called once the body is wanted and acceptable, before it is read. */
  async function answer(
    request: IncomingMessage,
    requestId: string,
    log: Record<string, unknown>,
    inviteBody: () => void,
  ): Promise<GatewayAnswer> {
    const receivedAt = new Date();
    // First, as WAF runs before API Gateway: every request counts, even a
    // preflight or one for no route, and a refused one costs no token check.
    const rate = rateLimiter?.take(callerKey(request));
    if (rate && !rate.allowed) {
      log.outcome = "rate-limited";
      return own(gatewayProblems.rateLimited(rate.retryAfterSeconds));
    }
    const method = (request.method ?? "GET").toUpperCase();
    const { path, rawQueryString } = splitUrl(request.url ?? "/");
    const match = matchRoute(routes, method, path);
    if (match.kind === "no-route") return own(gatewayProblems.notFound());
    if (match.kind === "method-not-allowed") {
      if (method === "OPTIONS") {
        // The CORS preflight, answered by the gateway as by the stack's mock integrations.
        return {
          statusCode: 204,
          headers: corsPreflightHeaders(cors, request.headers.origin, match.allowedMethods),
          body: Buffer.alloc(0),
        };
      }
      return own(gatewayProblems.methodNotAllowed(method, [...match.allowedMethods, "OPTIONS"]));
    }
    const { compiled, pathParameters } = match;
    const { route } = compiled;
    log.routeId = route.id;

    let claims: Record<string, string> | undefined;
    if (route.authenticated) {
      const authorization = await authorizeBearerToken(
        request.headersDistinct.authorization,
        tokenRules,
      );
      if (!authorization.ok) {
        log.outcome = `unauthorized: ${authorization.reason}`;
        return own(gatewayProblems.unauthorized(authorization.tokenSent));
      }
      claims = authorization.claims;
    }

    // Only now, for a caller the route accepts: a stranger's body is never read.
    const body = await readBody(request, MAX_GATEWAY_BODY_BYTES, inviteBody);
    if (body.kind === "too-large") {
      return own(gatewayProblems.payloadTooLarge());
    }

    const event = buildEvent({
      request,
      method: compiled.method,
      resource: route.path,
      path,
      rawQueryString,
      pathParameters,
      body: body.bytes,
      requestId,
      receivedAt,
      claims,
    });
    const context = lambdaContext(route.id, options.functionTimeoutMs);
    log.awsRequestId = context.awsRequestId;
    const outcome = await invoke(route.handler, event, context, options.functionTimeoutMs);

    if (outcome.kind === "timed-out") {
      log.outcome = "timed out";
      void outcome.late.then((late) =>
        logger.warn("late answer dropped", {
          routeId: route.id,
          requestId,
          outcome: late.kind,
        }),
      );
      return own(gatewayProblems.gatewayTimeout());
    }
    if (outcome.kind === "threw") {
      Object.assign(log, { outcome: "handler threw" }, describeError(outcome.error));
      return own(internalError());
    }
    const result = answerFromResult(outcome.value);
    if ("invalid" in result) {
      Object.assign(log, { outcome: `invalid handler response: ${result.invalid}` });
      return own(internalError());
    }
    return result;
  }

  async function serve(
    request: IncomingMessage,
    response: ServerResponse,
    expectsContinue: boolean,
  ): Promise<void> {
    const startedAt = performance.now();
    const requestId = newRequestId();
    latestResponses.set(request.socket, response);
    const log: Record<string, unknown> = {
      method: request.method,
      path: splitUrl(request.url ?? "/").path,
      routeId: undefined,
    };
    let status: number;
    // An answer given before the body was read to its end (401, 404, 413...)
    // ends the connection: Node would otherwise read and discard whatever the
    // caller still sends, however much, to keep the connection usable.
    const closeConnection = () => closing || !request.complete;
    try {
      const result = await answer(request, requestId, log, () => {
        if (expectsContinue) response.writeContinue();
      });
      status = result.statusCode;
      try {
        writeAnswer(response, result, requestId, closeConnection());
      } catch (error) {
        // An unwritable header from the handler: nothing was sent yet.
        Object.assign(log, { outcome: "unwritable handler response" }, describeError(error));
        status = 500;
        for (const name of response.getHeaderNames()) response.removeHeader(name);
        writeAnswer(response, own(internalError()), requestId, closeConnection());
      }
    } catch (error) {
      Object.assign(log, { outcome: "gateway error" }, describeError(error));
      status = 500;
      if (!response.headersSent) {
        writeAnswer(response, own(internalError()), requestId, closeConnection());
      } else {
        response.destroy();
      }
    }
    const attributes = {
      ...log,
      status,
      durationMs: Math.round(performance.now() - startedAt),
      requestId,
    };
    if (status >= 500) logger.error("request", attributes);
    else logger.info("request", attributes);
  }

  /**
   * Answers on a connection Node's server no longer serves, then closes it.
   * A complete request still being served there is answered first: the
   * caller reads its answers in order. (Bad bytes in the body of the request
   * being served end it now: that body will never be whole.)
   */
  function refuseConnection(socket: Duplex, answer: GatewayAnswer, log: Record<string, unknown>) {
    if (refusedConnections.has(socket)) return;
    refusedConnections.add(socket);
    const send = () => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const requestId = newRequestId();
      socket.end(answerBytes(answer, requestId), () => socket.destroy());
      logger.info("request", { ...log, status: answer.statusCode, requestId });
    };
    const pending = latestResponses.get(socket);
    if (pending && !pending.writableFinished && pending.req.complete) pending.once("close", send);
    else send();
  }

  const server = createServer((request, response) => {
    void serve(request, response, false);
  });
  // Bytes Node's HTTP parser refuses (a control character in a header, a
  // Content-Length that is no number, HTTP/1.7): by default Node answers a
  // bare 400 without the contract's headers, dropping any answer in flight.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Only the code: the parser's error carries the raw bytes, tokens included.
    refuseConnection(socket, own(gatewayProblems.badRequest()), {
      outcome: `refused by the HTTP parser: ${error.code ?? error.name}`,
    });
  });
  // CONNECT never reaches the request handler: the gateway tunnels nothing.
  server.on("connect", (request: IncomingMessage, socket: Duplex) => {
    const { path } = splitUrl(request.url ?? "/");
    const match = matchRoute(routes, "CONNECT", path);
    // A target that is no route's path (the usual `host:port`) is the whole API.
    const allowed = match.kind === "method-not-allowed" ? match.allowedMethods : allMethods(routes);
    refuseConnection(
      socket,
      own(gatewayProblems.methodNotAllowed("CONNECT", [...allowed, "OPTIONS"])),
      {
        method: "CONNECT",
        path,
        outcome: "CONNECT refused",
      },
    );
  });
  // A client that waits for `100 Continue` before sending its body (curl
  // does, for large ones) is invited only once its token is accepted: by
  // default Node invites every body before the gateway sees the request.
  server.on("checkContinue", (request, response) => {
    void serve(request, response, true);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, GATEWAY_HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${GATEWAY_HOST}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing = true;
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections go now; busy ones after their answer
        // (sent with `Connection: close`).
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
