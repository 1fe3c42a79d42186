import * as z from "zod";
import { parseEnvironment } from "../functions/shared/environment";
import { isPortFree, localAwsEnvironment, startDynamoDbLocal } from "../lib/local/dynamodb-local";
import { stopOnSignals } from "../lib/local/stop-on-signals";

/**
 * `npm run db`: DynamoDB Local alone, in the foreground, for
 * `DYNAMODB_ENDPOINT` (several `npm start` runs, or a debugger, sharing one
 * database). In memory: its data goes when it stops.
 */

const environmentSchema = z.object({
  // `DYNAMODB_PORT=` means "unset", as for the variables of `npm start`.
  DYNAMODB_PORT: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.coerce.number().int().min(1).max(65_535).default(8000),
  ),
});

async function main(): Promise<void> {
  const { DYNAMODB_PORT: port } = parseEnvironment(
    environmentSchema,
    process.env,
    "Invalid environment for npm run db",
  );
  // DynamoDB Local's start-up check only sees that *something* listens: look first.
  if (!(await isPortFree(port))) {
    throw new Error(`Port ${port} is already in use: set DYNAMODB_PORT to another one.`);
  }
  const dynamoDbLocal = await startDynamoDbLocal({ port });
  process.stdout.write(
    [
      `DynamoDB Local (in memory) listening on ${dynamoDbLocal.endpoint}`,
      // Without -sharedDb, DynamoDB Local keeps one database per access key and region.
      `Clients share its data only with the same region and access key (npm start uses ${localAwsEnvironment.AWS_REGION} / ${localAwsEnvironment.AWS_ACCESS_KEY_ID} unless AWS_* are set).`,
      "Start the API against it in another terminal:",
      `  DYNAMODB_ENDPOINT=${dynamoDbLocal.endpoint} npm start`,
      "Ctrl-C stops it.",
      "",
    ].join("\n"),
  );

  stopOnSignals(() => dynamoDbLocal.stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
