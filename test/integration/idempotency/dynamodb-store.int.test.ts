import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import {
  dynamoDbStore,
  markerWrite,
  markerWritten,
  readRecord,
  seedRecord,
  testClient,
} from "../../support/dynamodb";
import { describeStoreContract } from "../../support/store-contract";

afterAll(() => testClient().destroy());

describeStoreContract<TransactWriteItem>("DynamoDbIdempotencyStore on DynamoDB Local", () => ({
  store: dynamoDbStore(),
  write: markerWrite,
  wasWritten: markerWritten,
  read: readRecord,
  seed: seedRecord,
}));
