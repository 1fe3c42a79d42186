import { DynamoDbAccountRepository } from "../accounts/dynamodb-account-repository";
import { createDependencies } from "../shared/dependencies";
import { DynamoDbTransferRepository } from "./dynamodb-transfer-repository";

/** Built once per cold start by each transfer handler. */
export function createTransferDependencies(service: string) {
  const dependencies = createDependencies(service);
  return {
    ...dependencies,
    accounts: new DynamoDbAccountRepository(dependencies.dataTable),
    transfers: new DynamoDbTransferRepository(dependencies.dataTable),
  };
}
