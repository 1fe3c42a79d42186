import {
  DEFAULT_RETENTION_SECONDS,
  DynamoDbIdempotencyStore,
  idempotency,
} from "../../functions/idempotency";
import { commitOf } from "../../functions/shared/dependencies";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { type DepositHandlerOptions, depositHandler, depositRoute } from "./deposit-handler";

/** The production composition: the claim, then writes and completion in one transaction. */
export function depositWithThisProject(options: DepositHandlerOptions): LambdaHttpHandler {
  return depositHandler(options, {
    route: depositRoute,
    idempotency: idempotency({
      store: new DynamoDbIdempotencyStore({
        client: options.client,
        tableName: options.tables.idempotency,
      }),
      retentionSeconds: DEFAULT_RETENTION_SECONDS,
      logger: options.logger,
    }),
    commit: commitOf,
  });
}
