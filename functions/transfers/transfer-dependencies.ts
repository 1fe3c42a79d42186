import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import type { RouteId } from "../routes";
import { createDependencies } from "../shared/dependencies";
import { DynamoDbTransferRepository } from "./dynamodb-transfer-repository";

/** Built once per cold start by each transfer handler. */
export function createTransferDependencies(routeId: RouteId) {
  const dependencies = createDependencies(routeId);
  return {
    ...dependencies,
    accounts: new DynamoDbAccountRepository(dependencies.dataTable),
    transfers: new DynamoDbTransferRepository(dependencies.dataTable),
  };
}
