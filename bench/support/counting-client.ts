import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDynamoDbClient } from "../../functions/shared/aws/dynamodb-client";

/**
 * A DynamoDB client that counts the requests it sends, by operation, with an
 * SDK middleware in the `deserialize` step: inside the retry loop, so a
 * retried request counts as often as it reached DynamoDB.
 */
export class CountingDynamoDbClient {
  readonly dynamoDb: DynamoDBClient;
  private counts = new Map<string, number>();

  constructor(endpoint: string) {
    this.dynamoDb = createDynamoDbClient({ endpoint });
    this.dynamoDb.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? "unknown").replace(/Command$/, "");
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
        return next(args);
      },
      { step: "deserialize", name: "benchRequestCounter" },
    );
  }

  /** Requests sent since the last reset, by operation. */
  snapshot(): ReadonlyMap<string, number> {
    return new Map(this.counts);
  }

  reset(): void {
    this.counts = new Map();
  }
}
