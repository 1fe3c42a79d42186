import { type ServerResponse, STATUS_CODES } from "node:http";

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
 * The headers every answer is sent with: the answer's own, then the REST
 * API's `x-amzn-RequestId` and `X-Content-Type-Options: nosniff`, set after
 * the handler's headers so that no answer, the gateway's own or a handler's,
 * can be sniffed into HTML or script by a browser (the contract's rule for
 * every answer), and `Connection: close` when asked.
 */
function sentHeaders(
  answer: GatewayAnswer,
  requestId: string,
  closeConnection: boolean,
): Array<[string, string | readonly string[]]> {
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!HOP_BY_HOP_HEADERS.has(name)) headers[name] = value;
  }
  headers["x-amzn-requestid"] = requestId;
  headers["x-content-type-options"] = "nosniff";
  if (closeConnection) headers.connection = "close";
  return Object.entries(headers);
}

/**
 * Sends the answer with the headers of {@link sentHeaders}.
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
  for (const [name, value] of sentHeaders(answer, requestId, closeConnection)) {
    response.setHeader(name, typeof value === "string" ? value : [...value]);
  }
  response.statusCode = answer.statusCode;
  response.end(answer.body);
}

/**
 * The answer as the bytes of an HTTP/1.1 response, for a connection Node's
 * server no longer answers on (a request its parser refused, CONNECT): the
 * same headers as {@link writeAnswer}'s, with `Connection: close` since the
 * connection ends after it. Only for the gateway's own answers, whose header
 * values are known to be writable.
 */
export function answerBytes(answer: GatewayAnswer, requestId: string): Buffer {
  const lines = [`HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? ""}`];
  for (const [name, value] of sentHeaders(answer, requestId, true)) {
    for (const item of typeof value === "string" ? [value] : value) lines.push(`${name}: ${item}`);
  }
  lines.push(`content-length: ${answer.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), answer.body]);
}
