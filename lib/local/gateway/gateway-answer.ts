import type { ServerResponse } from "node:http";

/** The HTTP answer the gateway sends, whoever made it: a handler or the gateway itself. */
export interface GatewayAnswer {
  readonly statusCode: number;
  /** Names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** `Set-Cookie` values, from the payload 2.0 `cookies` field. */
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

// API Gateway owns the framing of its answers; a handler cannot set these.
const HOP_BY_HOP_HEADERS = new Set([
  "connection",
  "content-length",
  "keep-alive",
  "transfer-encoding",
]);

/**
 * Sends the answer with API Gateway's `apigw-requestid` header and
 * `X-Content-Type-Options: nosniff`, set after the handler's headers so that
 * no answer, the gateway's own or a handler's, can be sniffed into HTML or
 * script by a browser (the contract's rule for every answer).
 * `closeConnection` sends `Connection: close`, and Node ends the connection
 * after the answer: while the gateway shuts down, or when the request's body
 * was left unread.
 * Throws, before anything is sent, on a header Node cannot write.
 */
export function writeAnswer(
  response: ServerResponse,
  answer: GatewayAnswer,
  requestId: string,
  closeConnection: boolean,
): void {
  const setCookies = [...answer.cookies];
  for (const [name, value] of Object.entries(answer.headers)) {
    if (HOP_BY_HOP_HEADERS.has(name)) continue;
    if (name === "set-cookie") setCookies.push(value);
    else response.setHeader(name, value);
  }
  if (setCookies.length > 0) response.setHeader("set-cookie", setCookies);
  response.setHeader("apigw-requestid", requestId);
  response.setHeader("x-content-type-options", "nosniff");
  if (closeConnection) response.setHeader("connection", "close");
  response.statusCode = answer.statusCode;
  response.end(answer.body);
}
