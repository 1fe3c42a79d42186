import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { APIGatewayEventRequestContextJWTAuthorizer } from "aws-lambda";
import { internalError } from "../../../functions/shared/http/problem";
import { describeError } from "../../../functions/shared/observability/describe-error";
import { createLogger, type Logger } from "../../../functions/shared/observability/logger";
import { DEFAULT_LOCAL_JWT_AUDIENCE, DEFAULT_LOCAL_JWT_ISSUER, localJwtKey } from "../jwt";
import { buildEvent, newRequestId, splitUrl } from "./api-gateway-event";
import { authorizeBearerToken } from "./authorizer";
import { type GatewayAnswer, writeAnswer } from "./gateway-answer";
import { answerFromProblem, gatewayProblems } from "./gateway-problems";
import type { GatewayRoute } from "./gateway-route";
import { lambdaContext } from "./lambda-context";
import { invoke } from "./lambda-invocation";
import { answerFromResult } from "./lambda-result";
import { GATEWAY_HOST } from "./local-deployment";
import { readBody } from "./request-body";
import { compileRoutes, matchRoute } from "./route-matcher";
import type { TokenRules } from "./token-verifier";

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0, JWT
 * authorizer) in front of one Lambda per route: it turns each HTTP request
 * into the event API Gateway would send, calls the route's handler with a
 * Lambda-like context and turns the result back into HTTP, the way API
 * Gateway does. No npm package does this faithfully without Docker or the
 * Serverless Framework (see the toolchain notes).
 */

/** API Gateway's own payload limit; the app's 64 KiB limit is the handlers' job. */
export const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  /** HS256 secret the bearer tokens are signed with. */
  readonly jwtSecret: string;
  /** The `iss` tokens must carry. @default DEFAULT_LOCAL_JWT_ISSUER, as signLocalToken signs */
  readonly jwtIssuer?: string;
  /** The `aud` tokens must carry. @default DEFAULT_LOCAL_JWT_AUDIENCE, as signLocalToken signs */
  readonly jwtAudience?: string;
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
  let closing = false;

  /** `inviteBody` is called once the body is wanted and acceptable, before it is read. */
  async function answer(
    request: IncomingMessage,
    requestId: string,
    log: Record<string, unknown>,
    inviteBody: () => void,
  ): Promise<GatewayAnswer> {
    const receivedAt = new Date();
    const method = (request.method ?? "GET").toUpperCase();
    const { rawPath, rawQueryString } = splitUrl(request.url ?? "/");
    const match = matchRoute(routes, method, rawPath);
    if (match.kind === "no-route") {
      return answerFromProblem(gatewayProblems.notFound(method, rawPath));
    }
    if (match.kind === "method-not-allowed") {
      return answerFromProblem(gatewayProblems.methodNotAllowed(method, match.allowedMethods));
    }
    const { compiled, pathParameters } = match;
    const { route } = compiled;
    log.routeId = route.id;

    let authorizer: APIGatewayEventRequestContextJWTAuthorizer | undefined;
    if (route.authenticated) {
      const authorization = await authorizeBearerToken(
        request.headersDistinct.authorization,
        tokenRules,
      );
      if (!authorization.ok) {
        log.outcome = `unauthorized: ${authorization.reason}`;
        return answerFromProblem(gatewayProblems.unauthorized(authorization.tokenSent));
      }
      authorizer = authorization.authorizer;
    }

    // Only now, for a caller the route accepts: a stranger's body is never read.
    const body = await readBody(request, MAX_GATEWAY_BODY_BYTES, inviteBody);
    if (body.kind === "too-large") {
      return answerFromProblem(gatewayProblems.payloadTooLarge(MAX_GATEWAY_BODY_BYTES));
    }

    const event = buildEvent({
      request,
      method: compiled.method,
      routeKey: compiled.routeKey,
      rawPath,
      rawQueryString,
      pathParameters,
      body: body.bytes,
      requestId,
      receivedAt,
      authorizer,
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
      return answerFromProblem(gatewayProblems.gatewayTimeout());
    }
    if (outcome.kind === "threw") {
      Object.assign(log, { outcome: "handler threw" }, describeError(outcome.error));
      return answerFromProblem(internalError());
    }
    const result = answerFromResult(outcome.value);
    if ("invalid" in result) {
      Object.assign(log, { outcome: `invalid handler response: ${result.invalid}` });
      return answerFromProblem(internalError());
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
    const log: Record<string, unknown> = {
      method: request.method,
      path: splitUrl(request.url ?? "/").rawPath,
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
        writeAnswer(response, answerFromProblem(internalError()), requestId, closeConnection());
      }
    } catch (error) {
      Object.assign(log, { outcome: "gateway error" }, describeError(error));
      status = 500;
      if (!response.headersSent) {
        writeAnswer(response, answerFromProblem(internalError()), requestId, closeConnection());
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

  const server = createServer((request, response) => {
    void serve(request, response, false);
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
