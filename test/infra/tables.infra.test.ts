import { Match } from "aws-cdk-lib/assertions";
import { idempotencyRecordSchema } from "../../functions/idempotency/core/record";
import { toCreateTableInput } from "../../lib/local/create-tables";
import {
  dataTableDefinition,
  idempotencyTableDefinition,
  tableDefinitions,
} from "../../lib/tables/table-definitions";
import { synthStack } from "./synth";

describe("the stack's tables", () => {
  const { template } = synthStack();

  it.each(tableDefinitions.map((definition) => [definition.logicalId, definition] as const))(
    "deploys %s with the keys, TTL and stream that local runs and tests create",
    (_, definition) => {
      const local = toCreateTableInput(definition, "any");

      template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
        KeySchema: local.KeySchema,
        AttributeDefinitions: Match.arrayWith(local.AttributeDefinitions ?? []),
        BillingMode: "PAY_PER_REQUEST",
        ...(definition.timeToLiveAttribute
          ? {
              TimeToLiveSpecification: {
                AttributeName: definition.timeToLiveAttribute,
                Enabled: true,
              },
            }
          : {}),
        ...(definition.stream
          ? { StreamSpecification: { StreamViewType: definition.stream } }
          : {}),
      });
    },
  );

  it("keeps the money: the data table is retained, deletion-protected and recoverable", () => {
    template.hasResource("AWS::DynamoDB::GlobalTable", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        KeySchema: toCreateTableInput(dataTableDefinition, "any").KeySchema,
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      }),
    });
  });

  it("puts TTL on the attribute where idempotency records keep their expiry", () => {
    const recordFields = idempotencyRecordSchema.options.flatMap((option) =>
      Object.keys(option.shape),
    );

    expect(recordFields).toContain(idempotencyTableDefinition.timeToLiveAttribute);
    expect(recordFields).toContain(idempotencyTableDefinition.partitionKey.name);
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", tableDefinitions.length);
  });
});
