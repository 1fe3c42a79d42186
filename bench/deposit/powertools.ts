import { IdempotencyConfig } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { makeHandlerIdempotent } from "@aws-lambda-powertools/idempotency/middleware";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { type DepositHandlerOptions, depositHandler, depositRoute } from "./deposit-handler";
import { transactionCommit } from "./transaction-commit";

/**
 * The same handler made idempotent with Powertools' Middy middleware, set up
 * as its documentation advises for an HTTP API: the key from the header,
 * scoped to the caller, and the payload validated (Powertools' counterpart of
 * a 422 for a reused key). Business writes commit on their own; Powertools
 * stores the answer afterwards.
 */
export function depositWithPowertools(options: DepositHandlerOptions): LambdaHttpHandler {
  return depositHandler(options, {
    route: { ...depositRoute, idempotent: false },
    middlewares: [powertoolsIdempotency(options.client, options.tables.powertools)],
    commit: () => transactionCommit(options.client),
  });
}

function powertoolsIdempotency(client: DynamoDBClient, tableName: string) {
  return makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: '[requestContext.authorizer.jwt.claims.sub, headers."idempotency-key"]',
      payloadValidationJmesPath: "[routeKey, pathParameters, body]",
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: DEFAULT_RETENTION_SECONDS,
    }),
  });
}
