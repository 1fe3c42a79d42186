import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { ownAccount } from "../../functions/accounts/account-repository";
import { createAccount } from "../../functions/accounts/account-use-cases";
import { DynamoDbAccountRepository } from "../../functions/accounts/dynamodb-account-repository";
import { newId } from "../../functions/domain/primitives";
import type { HttpResponse } from "../../functions/idempotency";
import { REPLAYED_HEADER } from "../../functions/idempotency/http/constants";
import { DataTable } from "../../functions/shared/dynamodb/data-table";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { apiGatewayEvent, lambdaContext, silentLogger } from "../../test/support/lambda-fixtures";
import { type DepositHandlerOptions, depositRoute } from "../deposit/deposit-handler";
import { transactionCommit } from "../deposit/transaction-commit";
import { depositHandlers, type Variant } from "../deposit/variants";
import { benchTables } from "./bench-database";

/** An account of one caller: where a bench deposits. */
export interface DepositTarget {
  readonly caller: string;
  readonly accountId: string;
}

/** Opens `count` accounts of a new caller, written directly (not measured). */
export async function openAccounts(
  client: DynamoDBClient,
  count: number,
): Promise<DepositTarget[]> {
  const caller = `bench-${newId()}`;
  const accounts = new DynamoDbAccountRepository(new DataTable(client, benchTables.data));
  const targets: DepositTarget[] = [];
  for (let index = 0; index < count; index += 1) {
    const account = await createAccount(
      { caller, currency: "EUR" },
      {
        accounts,
        commit: transactionCommit(client),
        now: () => new Date(),
        remainingTimeMs: () => 10_000,
        correlationId: "bench-setup",
      },
    );
    targets.push({ caller, accountId: account.id });
  }
  return targets;
}

export async function balanceOf(client: DynamoDBClient, target: DepositTarget): Promise<number> {
  const accounts = new DynamoDbAccountRepository(new DataTable(client, benchTables.data));
  return (await ownAccount(accounts, target.caller, target.accountId)).balance;
}

/** The event API Gateway sends for `POST /accounts/{id}/deposits` after its authorizer. */
export function depositEvent(
  target: DepositTarget,
  key: string,
  amount: number,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return apiGatewayEvent({
    method: depositRoute.method,
    route: depositRoute.path,
    path: `/accounts/${target.accountId}/deposits`,
    pathParameters: { accountId: target.accountId },
    body: JSON.stringify({ amount }),
    sub: target.caller,
    idempotencyKey: key,
  });
}

/** Invokes a handler as Lambda would (10 s timeout) and returns its answer. */
export function invokeDepositForAnswer(
  handler: LambdaHttpHandler,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<HttpResponse> {
  return handler(event, lambdaContext(10_000));
}

/** Invokes a handler as Lambda would (10 s timeout) and returns the status it answered. */
export async function invokeDeposit(
  handler: LambdaHttpHandler,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<number> {
  return (await invokeDepositForAnswer(handler, event)).statusCode;
}

/** This project marks a stored answer sent again; Powertools does not mark its replays. */
export function isReplay(answer: HttpResponse): boolean {
  return answer.headers[REPLAYED_HEADER] === "true";
}

/** `201`, `201 replay`, or a problem's status and type: `503 service-unavailable`. */
export function describeAnswer(answer: HttpResponse): string {
  if (answer.statusCode < 400) {
    return isReplay(answer) ? `${answer.statusCode} replay` : String(answer.statusCode);
  }
  try {
    const { type } = JSON.parse(answer.body) as { type?: unknown };
    return typeof type === "string"
      ? `${answer.statusCode} ${type.split("/").at(-1)}`
      : String(answer.statusCode);
  } catch {
    return String(answer.statusCode);
  }
}

/** Builds a deposit handler from its dependencies: a variant's, or another composition. */
export type DepositHandlerFactory = (options: DepositHandlerOptions) => LambdaHttpHandler;

/** A variant's deposit handler on the bench's tables, silent. */
export function benchDepositHandler(
  variant: Variant,
  client: DynamoDBClient,
  onExecute?: () => Promise<void> | void,
): LambdaHttpHandler {
  return benchHandlerOf(depositHandlers[variant], client, onExecute);
}

/** Any deposit composition on the bench's tables, silent: a column that is not a variant. */
export function benchHandlerOf(
  factory: DepositHandlerFactory,
  client: DynamoDBClient,
  onExecute?: () => Promise<void> | void,
): LambdaHttpHandler {
  return factory({
    client,
    tables: benchTables,
    logger: silentLogger,
    ...(onExecute ? { onExecute } : {}),
  });
}
