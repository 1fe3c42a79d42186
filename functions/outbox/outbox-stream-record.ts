import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, AttributeValue as StreamAttributeValue } from "aws-lambda";
import * as z from "zod";
import { describeIssues } from "../shared/environment";
import { OUTBOX_KIND, type OutboxEvent, outboxItemKey } from "../shared/outbox";

/**
 * The outbox item (see functions/shared/outbox.ts) as it arrives in a stream
 * record's NewImage, unmarshalled.
 */
const outboxItemSchema = z
  .object({
    pk: z.string(),
    sk: z.string(),
    kind: z.literal(OUTBOX_KIND),
    id: z.string().min(1),
    type: z.string().min(1),
    occurredAt: z.iso.datetime({ offset: true }),
    subject: z.string().min(1),
    data: z.record(z.string(), z.unknown()),
    /** Absent on events written before correlation ids were carried. */
    correlationId: z.string().min(1).optional(),
  })
  .refine(
    (item) => {
      const key = outboxItemKey(item.id);
      return item.pk === key.pk && item.sk === key.sk;
    },
    { message: "the key is not the outbox item key of the event id", path: ["pk"] },
  );

/**
 * The event an outbox insert carries.
 * @throws Error naming the invalid fields when the image is not an outbox item
 */
export function outboxEventOf(record: DynamoDBRecord): OutboxEvent {
  const image = record.dynamodb?.NewImage;
  if (image === undefined) throw new Error("The stream record has no NewImage.");
  const parsed = outboxItemSchema.safeParse(unmarshall(toSdkImage(image)));
  if (!parsed.success) throw new Error(`Invalid outbox item: ${describeIssues(parsed.error)}`);
  const { id, type, occurredAt, subject, data, correlationId } = parsed.data;
  return { id, type, occurredAt, subject, data, ...(correlationId ? { correlationId } : {}) };
}

/**
 * Stream images (aws-lambda's type: binaries as base64 strings) into the
 * SDK's AttributeValue (binaries as bytes), which `unmarshall` expects.
 */
function toSdkImage(
  image: Readonly<Record<string, StreamAttributeValue>>,
): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toSdkAttributeValue(value)]),
  );
}

function toSdkAttributeValue(value: StreamAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B, "base64") };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item, "base64")) };
  if (value.L !== undefined) return { L: value.L.map(toSdkAttributeValue) };
  if (value.M !== undefined) return { M: toSdkImage(value.M) };
  throw new Error("A stream image holds an attribute value of an unknown type.");
}
