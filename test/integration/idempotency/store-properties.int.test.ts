import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import {
  dynamoDbStore,
  markerWrite,
  markerWritten,
  readRecord,
  seedRecord,
  testClient,
} from "../../support/dynamodb";
import { describeStoreProperties } from "../../support/store-properties";

afterAll(() => testClient().destroy());

// Every command is a round trip to DynamoDB Local: few runs keep the file fast.
describeStoreProperties<TransactWriteItem>(
  "DynamoDbIdempotencyStore on DynamoDB Local",
  () => ({
    store: dynamoDbStore(),
    write: markerWrite,
    wasWritten: markerWritten,
    read: readRecord,
    seed: seedRecord,
  }),
  { numRuns: 40, timeoutMs: 60_000 },
);
