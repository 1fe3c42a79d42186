import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import {
  IdempotencyStoreError,
  IdempotencyStoreUnavailableError,
} from "../../../functions/idempotency";
import {
  classifyDynamoDbFailure,
  storeFailure,
} from "../../../functions/idempotency/stores/dynamodb-errors";

/** What the SDK's retry layer stamps on every error it lets out, after its attempts. */
const $metadata = { attempts: 3, totalRetryDelay: 120 };

const serviceError = <T extends Error>(error: T): T => Object.assign(error, { $metadata });

/** node:http's refusal, as the SDK lets it out once its attempts are spent. */
function networkError(code: "ECONNREFUSED" | "ECONNRESET"): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:8000`), { code, $metadata });
}

function cancelled(...codes: string[]): TransactionCanceledException {
  return serviceError(
    new TransactionCanceledException({
      message: "Transaction cancelled",
      $metadata,
      CancellationReasons: codes.map((Code) => ({ Code })),
    }),
  );
}

const clientFault = (name: string) =>
  serviceError(
    Object.assign(new Error(`${name}: refused`), { name, $fault: "client" as const, $metadata }),
  );

describe("classifyDynamoDbFailure", () => {
  it.each([
    ["DynamoDB cannot be reached", networkError("ECONNREFUSED")],
    ["the connection is reset", networkError("ECONNRESET")],
    [
      "the request timed out",
      Object.assign(new Error("Connection timed out after 1000 ms"), {
        name: "TimeoutError",
        $metadata,
      }),
    ],
    [
      "DynamoDB throttles the table",
      new ProvisionedThroughputExceededException({ message: "throttled", $metadata }),
    ],
    ["DynamoDB throttles the account", new ThrottlingException({ message: "slow", $metadata })],
    ["DynamoDB fails on its side", new InternalServerError({ message: "oops", $metadata })],
    [
      "a lone write meets a transaction",
      new TransactionConflictException({ message: "conflict", $metadata }),
    ],
    ["a transaction lost a race", cancelled("None", "TransactionConflict")],
    [
      "a table is being created or restored",
      new ResourceNotFoundException({ message: "no table", $metadata }),
    ],
  ])("%s: unavailable, a retry can cure it", (_situation, error) => {
    expect(classifyDynamoDbFailure(error)).toBe("unavailable");
    expect(storeFailure(error)).toBeInstanceOf(IdempotencyStoreUnavailableError);
  });

  it.each([
    ["a key over 2 KB", clientFault("ValidationException")],
    ["a missing permission", clientFault("AccessDeniedException")],
    [
      "a condition nobody handled",
      new ConditionalCheckFailedException({ message: "condition", $metadata }),
    ],
    ["a transaction refused by a condition", cancelled("ConditionalCheckFailed", "None")],
    [
      "a transaction refused by a condition while another item conflicted",
      cancelled("ConditionalCheckFailed", "TransactionConflict"),
    ],
    ["a transaction refused as invalid", cancelled("ValidationError")],
  ])("%s: incurable, the same every time", (_situation, error) => {
    expect(classifyDynamoDbFailure(error)).toBe("incurable");
    expect(storeFailure(error)).toBeInstanceOf(IdempotencyStoreError);
  });

  it.each([
    ["a bug", new TypeError("Cannot read properties of undefined")],
    ["a thrown string", "boom"],
    ["nothing", undefined],
  ])("%s did not come out of the AWS SDK: not a DynamoDB failure", (_situation, error) => {
    expect(classifyDynamoDbFailure(error)).toBeUndefined();
  });
});
