import {
  type DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { BusinessWriteRejectedError } from "../../functions/idempotency";
import type { Commit } from "../../functions/shared/dependencies";

/**
 * The business writes in one transaction of their own, as a handler without
 * the exactly-once path commits them. A failed condition becomes the error
 * the use cases retry on, as with the idempotency store's commit.
 */
export function transactionCommit(client: DynamoDBClient): Commit {
  return async (writes, answer) => {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: [...writes] }));
    } catch (error) {
      const reasons =
        error instanceof TransactionCanceledException ? error.CancellationReasons : [];
      if (!reasons?.some((reason) => reason.Code === "ConditionalCheckFailed")) throw error;
      throw new BusinessWriteRejectedError(
        reasons.map((reason) => ({
          failed: reason.Code === "ConditionalCheckFailed",
          ...(reason.Code ? { code: reason.Code } : {}),
        })),
        { cause: error },
      );
    }
    return answer;
  };
}
