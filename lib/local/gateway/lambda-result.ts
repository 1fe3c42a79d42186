import type { GatewayAnswer } from "./gateway-answer";

/** Why a handler's result is not a valid proxy integration response. */
export interface InvalidResult {
  readonly invalid: string;
}

type HeaderValue = string | number | boolean;
const isHeaderValue = (value: unknown): value is HeaderValue =>
  ["string", "number", "boolean"].includes(typeof value);

/**
 * A REST API's reading of a Lambda proxy result (payload 1.0): an object with
 * an integer `statusCode`, optional `headers` and `multiValueHeaders` (merged;
 * for a name in both, only the `multiValueHeaders` values count), a string
 * `body`, base64 when `isBase64Encoded`. Anything else is malformed, which
 * API Gateway answers with a 5xx of its own.
 */
export function answerFromResult(value: unknown): GatewayAnswer | InvalidResult {
  if (!isRecord(value)) return { invalid: "the result must be an object" };
  const { statusCode, headers = {}, multiValueHeaders = {}, body, isBase64Encoded = false } = value;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode)) {
    return { invalid: "statusCode must be an integer" };
  }
  if (statusCode < 100 || statusCode > 599) return { invalid: "statusCode out of range" };
  if (!isRecord(headers)) return { invalid: "headers must be an object" };
  if (!isRecord(multiValueHeaders)) return { invalid: "multiValueHeaders must be an object" };
  const answerHeaders: Record<string, string[]> = {};
  for (const [name, headerValue] of Object.entries(headers)) {
    if (headerValue === undefined || headerValue === null) continue;
    if (!isHeaderValue(headerValue)) {
      return { invalid: `header ${name} must be a string, number or boolean` };
    }
    answerHeaders[name.toLowerCase()] = [String(headerValue)];
  }
  for (const [name, values] of Object.entries(multiValueHeaders)) {
    if (values === undefined || values === null) continue;
    if (!Array.isArray(values) || !values.every(isHeaderValue)) {
      return {
        invalid: `multiValueHeaders ${name} must be an array of strings, numbers or booleans`,
      };
    }
    answerHeaders[name.toLowerCase()] = values.map(String);
  }
  if (body !== undefined && body !== null && typeof body !== "string") {
    return { invalid: "body must be a string" };
  }
  return {
    statusCode,
    headers: answerHeaders,
    body: Buffer.from(body ?? "", isBase64Encoded === true ? "base64" : "utf8"),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
