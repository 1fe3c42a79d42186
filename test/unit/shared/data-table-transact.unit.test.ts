import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DataTable } from "../../../functions/shared/dynamodb/data-table";

/**
 * What a cancelled transaction means to its caller: a lost race (its own
 * conditions, or a concurrent transaction) is `false`, read again; anything
 * else cancels it the same way on every try and is thrown. The errors are
 * shaped as the AWS SDK gives them; what DynamoDB does is tested against
 * DynamoDB Local elsewhere (a fold that loses, test/integration/movements).
 */
function cancelledBy(...codes: string[]) {
  return Object.assign(new Error("Transaction cancelled"), {
    name: "TransactionCanceledException",
    CancellationReasons: codes.map((Code) => ({ Code })),
    $metadata: {},
  });
}

function tableFailingWith(error: Error) {
  const client = { send: () => Promise.reject(error) } as unknown as DynamoDBClient;
  return new DataTable(client, "data");
}

describe("DataTable.transact", () => {
  it.each([
    ["a failed condition", ["None", "ConditionalCheckFailed"]],
    ["a concurrent transaction", ["TransactionConflict", "None"]],
  ])("answers false to a transaction cancelled by %s", async (_, codes) => {
    await expect(tableFailingWith(cancelledBy(...codes)).transact([])).resolves.toBe(false);
  });

  // Seen failing when every cancellation read as a lost race: a fold went
  // round again and again on a transaction that could never commit.
  it.each([
    ["throttling", ["ThrottlingError", "None"]],
    ["a validation error", ["ValidationError"]],
  ])("throws a transaction cancelled by %s: reading again cannot cure it", async (_, codes) => {
    await expect(tableFailingWith(cancelledBy(...codes)).transact([])).rejects.toMatchObject({
      name: "TransactionCanceledException",
    });
  });
});
