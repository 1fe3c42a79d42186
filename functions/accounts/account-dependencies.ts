import type { RouteId } from "../routes";
import { createDependencies } from "../shared/dependencies";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

/** Built once per cold start by each account handler. */
export function createAccountDependencies(routeId: RouteId) {
  const dependencies = createDependencies(routeId);
  return { ...dependencies, accounts: new DynamoDbAccountRepository(dependencies.dataTable) };
}
