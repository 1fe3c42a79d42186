import type { DynamoDBClient, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { RequestIdentity } from "../../functions/idempotency";
import type { AttemptPhases } from "../../functions/shared/write-ports";
import { transactionCommit } from "../deposit/transaction-commit";

/**
 * The phases of a card payment without this project's record: each phase's
 * writes (order `payment_pending`, payment `processing`) commit in a
 * transaction of their own, no recovery point is kept, so every attempt
 * starts from the beginning.
 */
export function phasesWithoutRecord(
  client: DynamoDBClient,
  identity: RequestIdentity,
): AttemptPhases<TransactWriteItem> {
  const commit = transactionCommit(client);
  return {
    identity,
    recoveryPoint: undefined,
    advance: async (_point, writes) => {
      // A phase has no answer of its own: the status is never sent.
      await commit(writes, undefined);
    },
  };
}
