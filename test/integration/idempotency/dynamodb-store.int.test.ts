import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { dynamoDbStoreHarness, testClient } from "../../support/dynamodb";
import { describeStoreContract } from "../../support/store-contract";

afterAll(() => testClient().destroy());

describeStoreContract<TransactWriteItem>(
  "DynamoDbIdempotencyStore on DynamoDB Local",
  dynamoDbStoreHarness,
);
