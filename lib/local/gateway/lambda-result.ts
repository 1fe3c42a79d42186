import type { GatewayAnswer } from "./gateway-answer";

/** Why a handler's result is not a valid payload 2.0 response. */
export interface InvalidResult {
  readonly invalid: string;
}

/**
 * API Gateway's reading of a payload 2.0 result: a result with `statusCode`
 * is a response; anything else is a 200 JSON body (a string as it is, any
 * other value JSON-encoded). A malformed response is an error, as on AWS.
 */
export function answerFromResult(value: unknown): GatewayAnswer | InvalidResult {
  if (!isRecord(value) || !("statusCode" in value)) {
    const body = typeof value === "string" ? value : (JSON.stringify(value) ?? "null");
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(body, "utf8"),
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = value;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode)) {
    return { invalid: "statusCode must be an integer" };
  }
  if (statusCode < 100 || statusCode > 599) return { invalid: "statusCode out of range" };
  if (!isRecord(headers)) return { invalid: "headers must be an object" };
  const answerHeaders: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(headers)) {
    if (headerValue === undefined || headerValue === null) continue;
    if (!["string", "number", "boolean"].includes(typeof headerValue)) {
      return { invalid: `header ${name} must be a string, number or boolean` };
    }
    answerHeaders[name.toLowerCase()] = String(headerValue);
  }
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === "string")) {
    return { invalid: "cookies must be an array of strings" };
  }
  if (body !== undefined && body !== null && typeof body !== "string") {
    return { invalid: "body must be a string" };
  }
  return {
    statusCode,
    headers: answerHeaders,
    cookies,
    body: Buffer.from(body ?? "", isBase64Encoded === true ? "base64" : "utf8"),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
