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

/** A global secondary index, projecting every attribute. */
export interface GlobalIndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
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
  readonly globalIndexes?: readonly GlobalIndexDefinition[];
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
 * Card payments and refunds at the processor whose outcome is not settled
 * yet: a sparse index (only such items carry its keys), oldest first, which
 * the reconciler reads instead of scanning the table.
 */
export const unsettledIndex = {
  name: "unsettled",
  partitionKey: { name: "unsettledPk", type: "S" },
  sortKey: { name: "unsettledSinceMs", type: "N" },
} as const satisfies GlobalIndexDefinition;

/**
 * The domain: accounts, ledger entries, transfers, orders, payments, refunds
 * and outbox events in one table (single-table design). The stream carries
 * the outbox items to the publisher. Only the movements' markers and queue
 * entries (functions/movements) carry `expiresAt`: TTL deletes those, and
 * nothing of the money.
 */
export const dataTableDefinition = {
  logicalId: "DataTable",
  tableNameEnv: "DATA_TABLE_NAME",
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  timeToLiveAttribute: "expiresAt",
  stream: "NEW_IMAGE",
  globalIndexes: [unsettledIndex],
} as const satisfies TableDefinition;

export const tableDefinitions: readonly TableDefinition[] = [
  idempotencyTableDefinition,
  dataTableDefinition,
];
