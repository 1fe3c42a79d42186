import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import type { RouteId } from "../routes";
import { createDependencies } from "../shared/dependencies";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";

/** Built once per cold start by each order handler. */
export function createOrderDependencies(routeId: RouteId) {
  const dependencies = createDependencies(routeId);
  return {
    ...dependencies,
    accounts: new DynamoDbAccountRepository(dependencies.dataTable),
    orders: new DynamoDbOrderRepository(dependencies.dataTable),
  };
}
