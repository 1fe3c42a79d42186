import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import { createDependencies } from "../shared/dependencies";
import { DynamoDbOrderRepository } from "./dynamodb-order-repository";

/** Built once per cold start by each order handler. */
export function createOrderDependencies(service: string) {
  const dependencies = createDependencies(service);
  return {
    ...dependencies,
    accounts: new DynamoDbAccountRepository(dependencies.dataTable),
    orders: new DynamoDbOrderRepository(dependencies.dataTable),
  };
}
