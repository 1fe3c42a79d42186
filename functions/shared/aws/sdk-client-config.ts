export interface SdkClientConfigOptions {
  /**
   * Attempts per call, the first included.
   * @default 3
   */
  readonly maxAttempts?: number;
}

/**
 * How every AWS SDK client of the project calls AWS (DynamoDB, its streams,
 * EventBridge): few attempts, and timeouts instead of the SDK's default of
 * none, so a dead or stuck endpoint fails fast. A Lambda behind API Gateway
 * has 30 s; what cannot be done soon is answered 503 with Retry-After (or
 * retried by Lambda for a stream) rather than waited for.
 */
export function sdkClientConfig(options: SdkClientConfigOptions = {}) {
  return {
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  };
}
