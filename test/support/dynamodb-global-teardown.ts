import type { RunningDynamoDbLocal } from "../../lib/local/dynamodb-local";

export default async function dynamoDbGlobalTeardown(): Promise<void> {
  await (globalThis as { dynamoDbLocal?: RunningDynamoDbLocal }).dynamoDbLocal?.stop();
}
