import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Who a request comes from, for the per-caller rate limit, as the stack's WAF
 * rule keys it: the exact Authorization header, or the client address for a
 * request without one. The header is kept as its SHA-256, so a key is small
 * however long the header, and no token stays in memory.
 */
export function callerKey(request: IncomingMessage): string {
  const authorization = request.headersDistinct.authorization;
  if (authorization) {
    const digest = createHash("sha256").update(authorization.join("\n")).digest("base64url");
    return `authorization:${digest}`;
  }
  return `address:${request.socket.remoteAddress ?? "unknown"}`;
}
