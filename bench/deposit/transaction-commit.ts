import { randomUUID } from "node:crypto";
import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { BusinessWriteRejectedError } from "../../functions/idempotency";

/**
 * The business writes in one transaction of their own, as a handler without
 * the exactly-once path commits them, treated as the idempotency store treats
 * its commit: a token makes the SDK's retries safe, and a cancelled
 * transaction (a failed condition, a conflict) becomes the error the use
 * cases retry on. No writes, no transaction: DynamoDB refuses an empty one.
 */
export function transactionCommit(client: DynamoDBClient) {
  return async <TResult>(
    writes: readonly TransactWriteItem[],
    result: TResult,
  ): Promise<TResult> => {
    // Nothing to write (a folded deposit answers what its fold wrote): no transaction.
    if (writes.length === 0) return result;
    try {
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [...writes],
          ClientRequestToken: randomUUID(),
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons)
        throw error;
      throw new BusinessWriteRejectedError(
        error.CancellationReasons.map((reason) => ({
          failed: reason.Code !== undefined && reason.Code !== "None",
          ...(reason.Code ? { code: reason.Code } : {}),
        })),
        { cause: error },
      );
    }
    return result;
  };
}
