import * as z from "zod";
import { createDynamoDbClient } from "../../functions/shared/aws/dynamodb-client";
import { loadHandlerConfig } from "../../functions/shared/config";
import { createObservability } from "../../functions/shared/observability/create-observability";
import type { DepositHandlerOptions } from "../deposit/deposit-handler";

const powertoolsEnvironmentSchema = z.object({
  POWERTOOLS_IDEMPOTENCY_TABLE_NAME: z.string().min(1),
});

/** What a deployed deposit function builds at cold start, for the other variants' builds. */
export function depositDependencies(): DepositHandlerOptions {
  const config = loadHandlerConfig();
  const { POWERTOOLS_IDEMPOTENCY_TABLE_NAME } = powertoolsEnvironmentSchema.parse(process.env);
  return {
    client: createDynamoDbClient({ endpoint: config.dynamoDbEndpoint }),
    logger: createObservability("createDeposit").logger,
    tables: {
      data: config.dataTableName,
      idempotency: config.idempotencyTableName,
      powertools: POWERTOOLS_IDEMPOTENCY_TABLE_NAME,
    },
  };
}
