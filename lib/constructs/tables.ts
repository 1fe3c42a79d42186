import { type CfnElement, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  type ITableV2,
  StreamViewType,
  type TablePropsV2,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct, type IConstruct } from "constructs";
import {
  dataTableDefinition,
  idempotencyTableDefinition,
  type KeyAttribute,
  type TableDefinition,
} from "../tables/table-definitions";

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER,
});

/** Each table's on-demand ceiling, in request units per second. */
export interface TableThroughputLimits {
  /** 0 or absent: no ceiling. */
  readonly maxReadRequestUnits?: number;
  /** 0 or absent: no ceiling. */
  readonly maxWriteRequestUnits?: number;
}

/** CDK table properties from a shared definition: the same keys, TTL and stream as local. */
function tableProps(definition: TableDefinition, limits: TableThroughputLimits): TablePropsV2 {
  return {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
    ...(definition.timeToLiveAttribute
      ? { timeToLiveAttribute: definition.timeToLiveAttribute }
      : {}),
    ...(definition.stream
      ? {
          dynamoStream:
            definition.stream === "NEW_IMAGE"
              ? StreamViewType.NEW_IMAGE
              : StreamViewType.NEW_AND_OLD_IMAGES,
        }
      : {}),
    ...(definition.globalIndexes
      ? {
          globalSecondaryIndexes: definition.globalIndexes.map((index) => ({
            indexName: index.name,
            partitionKey: attribute(index.partitionKey),
            ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          })),
        }
      : {}),
    // A cost guard: past the ceiling DynamoDB throttles (the SDK retries, then 503)
    // instead of billing whatever a runaway client or bug asks for.
    billing: Billing.onDemand({
      ...(limits.maxReadRequestUnits ? { maxReadRequestUnits: limits.maxReadRequestUnits } : {}),
      ...(limits.maxWriteRequestUnits ? { maxWriteRequestUnits: limits.maxWriteRequestUnits } : {}),
    }),
  };
}

/** The two tables of the API. */
export class PaymentsTables extends Construct {
  /** Short-lived records; losing them loses only replays, so they are not retained. */
  readonly idempotency: TableV2;
  /** Money: point-in-time recovery, deletion protection, kept when the stack goes. */
  readonly data: TableV2;

  constructor(scope: Construct, id: string, limits: TableThroughputLimits = {}) {
    super(scope, id);
    this.idempotency = new TableV2(this, idempotencyTableDefinition.logicalId, {
      ...tableProps(idempotencyTableDefinition, limits),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.data = new TableV2(this, dataTableDefinition.logicalId, {
      ...tableProps(dataTableDefinition, limits),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/**
 * cdk-nag's finding on a grant to `table` (CDK grants a table with its
 * indexes, `<table>/index/*`), acknowledged on the grantee's role with the
 * reason: the index holds nothing the table does not.
 */
export function acknowledgeIndexGrant(role: IConstruct, table: ITableV2): void {
  const tableId = Stack.of(table).getLogicalId(table.node.defaultChild as CfnElement);
  Validations.of(role).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
    reason:
      "A table's grant covers its indexes (CDK adds <table>/index/*); the data table's one index, unsettled, projects items of that same table, which the grant already reaches.",
  });
}
