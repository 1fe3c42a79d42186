import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";

/**
 * One JSON line per request in the stage's access log: enough to answer
 * "what happened to this request" without execution logs. Numbers that are
 * always there stay numbers (metric filters compare them); the rest are
 * strings, since API Gateway writes `-` for a missing value.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '"$context.requestId"',
  extendedRequestId: '"$context.extendedRequestId"',
  xrayTraceId: '"$context.xrayTraceId"',
  requestTime: '"$context.requestTime"',
  httpMethod: '"$context.httpMethod"',
  resourcePath: '"$context.resourcePath"',
  path: '"$context.path"',
  status: "$context.status",
  responseLength: '"$context.responseLength"',
  responseLatencyMs: "$context.responseLatency",
  integrationLatencyMs: '"$context.integration.latency"',
  integrationStatus: '"$context.integration.status"',
  integrationError: '"$context.integration.error"',
  errorResponseType: '"$context.error.responseType"',
  errorMessage: '"$context.error.message"',
  authorizerError: '"$context.authorizer.error"',
  sourceIp: '"$context.identity.sourceIp"',
  userAgent: '"$context.identity.userAgent"',
} as const;

export function accessLogFormat(): AccessLogFormat {
  const members = Object.entries(ACCESS_LOG_FIELDS).map(([name, value]) => `"${name}":${value}`);
  return AccessLogFormat.custom(`{${members.join(",")}}`);
}
