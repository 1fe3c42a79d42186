import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { dynamoDbStoreHarness, testClient } from "../../support/dynamodb";
import { describeStoreProperties } from "../../support/store-properties";

afterAll(() => testClient().destroy());

// Every command is a round trip to DynamoDB Local: few runs keep the file fast.
describeStoreProperties<TransactWriteItem>(
  "DynamoDbIdempotencyStore on DynamoDB Local",
  dynamoDbStoreHarness,
  { numRuns: 40, timeoutMs: 60_000 },
);
