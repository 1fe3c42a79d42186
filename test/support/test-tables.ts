/** Names of the tables the integration tier creates on DynamoDB Local. */
export const testTableNames = {
  idempotency: "test-idempotency",
  data: "test-data",
} as const;
