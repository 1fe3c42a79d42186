import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
} from "@aws-lambda-powertools/idempotency";
import { makeHandlerIdempotent } from "@aws-lambda-powertools/idempotency/middleware";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyMissingError,
  IdempotencyKeyReusedError,
} from "../../functions/idempotency";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import type { IdempotencyMiddleware } from "../../functions/shared/http/http-handler";
import { renderProblem } from "../../functions/shared/http/problem-details";

/**
 * Powertools' Middy middleware set up as its documentation advises for an
 * HTTP API (the key from the header, scoped to the caller, the payload
 * validated), plus the adapter a careful user writes around it so that it
 * keeps the API's contract: 400 without a key (with a list as its key
 * expression, Powertools would hash `[sub, null]` instead), and 409 / 422 for
 * the errors it throws on a duplicate in flight and on a reused key, where
 * the error renderer would answer 500.
 */
export function powertoolsIdempotency(
  persistenceStore: BasePersistenceLayer,
): IdempotencyMiddleware<TransactWriteItem> {
  const powertools = makeHandlerIdempotent({
    persistenceStore,
    config: new IdempotencyConfig({
      eventKeyJmesPath: '[requestContext.authorizer.jwt.claims.sub, headers."idempotency-key"]',
      payloadValidationJmesPath: "[routeKey, pathParameters, body]",
      expiresAfterSeconds: DEFAULT_RETENTION_SECONDS,
    }),
  });
  return {
    before: async (request) => {
      if (!request.event.headers?.["idempotency-key"]) throw new IdempotencyKeyMissingError();
      return powertools.before?.(request);
    },
    after: (request) => powertools.after?.(request),
    // Runs after the error renderer (Middy runs onError last-registered first).
    onError: async (request) => {
      if (request.error instanceof IdempotencyAlreadyInProgressError) {
        request.response = renderProblem(new IdempotencyKeyInProgressError(1));
      } else if (request.error instanceof IdempotencyValidationError) {
        request.response = renderProblem(new IdempotencyKeyReusedError());
      }
      // Powertools' own hook, unchanged: on 2.35.0 it deletes the record here.
      await powertools.onError?.(request);
    },
  };
}
