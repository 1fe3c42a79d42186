import {
  DynamoDbIdempotencyStore,
  type IdempotencyStrategy,
  idempotency,
} from "../../functions/idempotency";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { renderProblem } from "../../functions/shared/http/problem-details";
import { type DepositHandlerOptions, depositHandler, depositRoute } from "./deposit-handler";

/** What a route may set beyond its strategy, as the route table does (`peekRecord`). */
export interface ThisProjectOptions {
  /**
   * The layer's `peek` (commit strategy only): the key's record read beside
   * the handler's reads, so a replay sends no transaction.
   * @default false, as every HTTP route of the API
   */
  readonly peek?: boolean;
}

/**
 * The production composition with either strategy: `commit` (the API's:
 * nothing before the handler, the record in the business transaction) or
 * `lease` (a claim first, then the writes and the completion in one
 * transaction).
 */
export function depositWithThisProject(
  strategy: IdempotencyStrategy,
  { peek = false }: ThisProjectOptions = {},
): (options: DepositHandlerOptions) => LambdaHttpHandler {
  return (options) =>
    depositHandler(options, {
      route: { ...depositRoute, idempotency: strategy },
      idempotency: idempotency({
        store: new DynamoDbIdempotencyStore({
          client: options.client,
          tableName: options.tables.idempotency,
        }),
        strategy,
        peek,
        retentionSeconds: DEFAULT_RETENTION_SECONDS,
        logger: options.logger,
        renderError: renderProblem,
      }),
    });
}
