import type { DynamoDBClient, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { Deposit } from "../../functions/accounts/account";
import { accountAnswers } from "../../functions/accounts/account-answers";
import { accountParamsSchema, depositBodySchema } from "../../functions/accounts/account-schemas";
import { createDeposit } from "../../functions/accounts/account-use-cases";
import { DynamoDbAccountRepository } from "../../functions/accounts/dynamodb-account-repository";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import { DynamoDbMovementQueue } from "../../functions/movements/dynamodb-movement-queue";
import { foldingOf } from "../../functions/movements/folding";
import { routeById } from "../../functions/routes";
import { DataTable } from "../../functions/shared/dynamodb/data-table";
import {
  createHttpHandler,
  type HttpHandlerOptions,
  type IdempotencyMiddleware,
  type LambdaHttpHandler,
} from "../../functions/shared/http/http-handler";
import type { Logger } from "../../functions/shared/observability/logger";
import { DynamoDbTransferRepository } from "../../functions/transfers/dynamodb-transfer-repository";
import { silentObservability } from "../support/silent-observability";

/**
 * The deposit route as create-deposit.handler.ts builds it (parsing,
 * validation, use case, DynamoDB writes, problem rendering), with the
 * idempotency layer left to the caller: the variants differ in that alone.
 */

export interface DepositTables {
  readonly data: string;
  readonly idempotency: string;
  readonly powertools: string;
}

export interface DepositHandlerOptions {
  readonly client: DynamoDBClient;
  readonly tables: DepositTables;
  /** The benchmarks pass a silent one: logging costs every variant the same. */
  readonly logger: Logger;
  /** Runs at the start of every execution of the handler's body: to count or slow it. */
  readonly onExecute?: () => Promise<void> | void;
}

export const depositRoute = routeById("createDeposit");
const schemas = { params: accountParamsSchema, body: depositBodySchema };

export interface IdempotencyLayer {
  readonly route: HttpHandlerOptions<typeof schemas, TransactWriteItem, Deposit>["route"];
  readonly idempotency?: IdempotencyMiddleware<TransactWriteItem>;
  /**
   * How the use case's writes are committed.
   * @default through the idempotency middleware's handle
   */
  readonly attemptOf?: HttpHandlerOptions<typeof schemas, TransactWriteItem, Deposit>["attemptOf"];
}

export function depositHandler(
  options: DepositHandlerOptions,
  layer: IdempotencyLayer,
): LambdaHttpHandler {
  const table = new DataTable(options.client, options.tables.data);
  const accounts = new DynamoDbAccountRepository(table);
  const transfers = new DynamoDbTransferRepository(table);
  // As the product composes it: a deposit writes its movement's marker.
  const folding = foldingOf(new DynamoDbMovementQueue(table), {
    movementFolding: true,
    idempotencyRetentionSeconds: DEFAULT_RETENTION_SECONDS,
  });
  return createHttpHandler<typeof schemas, TransactWriteItem, Deposit>({
    route: layer.route,
    schemas,
    resourceName: "The account",
    observability: silentObservability(),
    ...(layer.idempotency ? { idempotency: layer.idempotency } : {}),
    ...(layer.attemptOf ? { attemptOf: layer.attemptOf } : {}),
    handle: async ({ caller, params, body }, ports) => {
      await options.onExecute?.();
      return createDeposit(
        { caller, accountId: params.accountId, amount: body.amount },
        { accounts, transfers, folding, ...ports },
      );
    },
    respond: accountAnswers.createDeposit,
  });
}
