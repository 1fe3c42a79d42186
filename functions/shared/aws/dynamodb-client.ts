import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type SdkClientConfigOptions, sdkClientConfig } from "./sdk-client-config";

export interface DynamoDbClientOptions extends SdkClientConfigOptions {
  /** DynamoDB Local or another endpoint; AWS's regional endpoint when absent. */
  readonly endpoint?: string;
}

/** The one way the project builds its DynamoDB client, on AWS and locally alike. */
export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...sdkClientConfig(options),
  });
}
