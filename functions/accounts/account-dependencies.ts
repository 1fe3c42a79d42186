import { createDependencies } from "../shared/dependencies";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

/** Built once per cold start by each account handler. */
export function createAccountDependencies(service: string) {
  const dependencies = createDependencies(service);
  return { ...dependencies, accounts: new DynamoDbAccountRepository(dependencies.dataTable) };
}
