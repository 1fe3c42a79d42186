import type { ServerResponse } from "node:http";

/** The HTTP answer the gateway sends, whoever made it: a handler or the gateway itself. */
export interface GatewayAnswer {
  readonly statusCode: number;
  /** Names in lower case; a list is one header line per value (Set-Cookie). */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
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
 * Sends the answer with the REST API's `x-amzn-RequestId` header and
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
  for (const [name, value] of Object.entries(answer.headers)) {
    if (HOP_BY_HOP_HEADERS.has(name)) continue;
    response.setHeader(name, typeof value === "string" ? value : [...value]);
  }
  response.setHeader("x-amzn-requestid", requestId);
  response.setHeader("x-content-type-options", "nosniff");
  if (closeConnection) response.setHeader("connection", "close");
  response.statusCode = answer.statusCode;
  response.end(answer.body);
}
