/**
 * The project's DynamoDB tables as plain data. The CDK constructs, the local
 * gateway and the test setup all build their tables from these definitions,
 * so what runs locally and in tests cannot drift from what is deployed.
 *
 * This module imports nothing: it is safe to load from handlers, scripts and
 * the CDK app alike.
 */

export type KeyAttributeType = "S" | "N";

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface TableDefinition {
  /** Logical id of the table in the CDK stack. */
  readonly logicalId: string;
  /** Environment variable through which functions learn the table's name. */
  readonly tableNameEnv: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Attribute holding an expiry in epoch seconds that DynamoDB TTL deletes on. */
  readonly timeToLiveAttribute?: string;
  /** Change stream, for tables that feed the transactional outbox. */
  readonly stream?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES";
}

/**
 * Idempotency records: one item per (caller, key). Partition key only; TTL on
 * `expiresAt` (epoch seconds). Expiry is also checked in code because TTL
 * deletion lags by up to two days.
 */
export const idempotencyTableDefinition = {
  logicalId: "IdempotencyTable",
  tableNameEnv: "IDEMPOTENCY_TABLE_NAME",
  partitionKey: { name: "pk", type: "S" },
  timeToLiveAttribute: "expiresAt",
} as const satisfies TableDefinition;

/**
 * The domain: accounts, ledger entries, transfers, orders, payments, refunds
 * and outbox events in one table (single-table design). The stream carries
 * the outbox items to the publisher.
 */
export const dataTableDefinition = {
  logicalId: "DataTable",
  tableNameEnv: "DATA_TABLE_NAME",
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  stream: "NEW_IMAGE",
} as const satisfies TableDefinition;

export const tableDefinitions: readonly TableDefinition[] = [
  idempotencyTableDefinition,
  dataTableDefinition,
];
