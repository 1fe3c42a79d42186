import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface DynamoDbClientOptions {
  /** DynamoDB Local or another endpoint; AWS's regional endpoint when absent. */
  readonly endpoint?: string;
  /**
   * Attempts per call, the first included. Kept low: a Lambda behind API
   * Gateway has 30 s, and a claim that cannot be made is answered with 503
   * and Retry-After rather than waited for.
   * @default 3
   */
  readonly maxAttempts?: number;
}

/** The one way the project builds its DynamoDB client, on AWS and locally alike. */
export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    // Fail fast on a dead endpoint instead of the SDK's default of no timeout.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  });
}
