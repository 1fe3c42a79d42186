import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  StreamViewType,
  type TablePropsV2,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
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

/** CDK table properties from a shared definition: the same keys, TTL and stream as local. */
function tableProps(definition: TableDefinition): TablePropsV2 {
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
    billing: Billing.onDemand(),
  };
}

/** The two tables of the API. */
export class PaymentsTables extends Construct {
  /** Short-lived records; losing them loses only replays, so they are not retained. */
  readonly idempotency: TableV2;
  /** Money: point-in-time recovery, deletion protection, kept when the stack goes. */
  readonly data: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.idempotency = new TableV2(this, idempotencyTableDefinition.logicalId, {
      ...tableProps(idempotencyTableDefinition),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.data = new TableV2(this, dataTableDefinition.logicalId, {
      ...tableProps(dataTableDefinition),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
