import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { powertoolsIdempotency } from "../powertools/powertools-idempotency";
import { type DepositHandlerOptions, depositHandler, depositRoute } from "./deposit-handler";
import { transactionCommit } from "./transaction-commit";

/**
 * The same handler made idempotent with Powertools' Middy middleware over its
 * DynamoDB persistence layer. Business writes commit on their own; Powertools
 * stores the answer afterwards.
 */
export function depositWithPowertools(options: DepositHandlerOptions): LambdaHttpHandler {
  return depositHandler(options, {
    route: depositRoute,
    idempotency: powertoolsIdempotency(
      new DynamoDBPersistenceLayer({
        tableName: options.tables.powertools,
        awsSdkV3Client: options.client,
      }),
    ),
    attemptOf: () => ({ commit: transactionCommit(options.client) }),
  });
}
