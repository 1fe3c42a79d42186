import type { _Record, AttributeValue, StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import type {
  DynamoDBRecord,
  AttributeValue as LambdaAttributeValue,
  StreamRecord as LambdaStreamRecord,
} from "aws-lambda";

/**
 * A record read with the DynamoDB Streams API, in the shape Lambda's event
 * source mapping hands to a function: creation time in epoch seconds,
 * binaries as base64 strings, the stream's ARN as the event source. The
 * local runner feeds these to the same use case the Lambda runs.
 */
export function toLambdaRecord(record: _Record, eventSourceARN: string): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN,
    ...(record.dynamodb ? { dynamodb: toLambdaStreamRecord(record.dynamodb) } : {}),
    ...(record.userIdentity
      ? {
          userIdentity: {
            type: record.userIdentity.Type,
            principalId: record.userIdentity.PrincipalId,
          },
        }
      : {}),
  };
}

function toLambdaStreamRecord(stream: StreamRecord): LambdaStreamRecord {
  return {
    ApproximateCreationDateTime:
      stream.ApproximateCreationDateTime && stream.ApproximateCreationDateTime.getTime() / 1000,
    Keys: stream.Keys && toLambdaImage(stream.Keys),
    NewImage: stream.NewImage && toLambdaImage(stream.NewImage),
    OldImage: stream.OldImage && toLambdaImage(stream.OldImage),
    SequenceNumber: stream.SequenceNumber,
    SizeBytes: stream.SizeBytes,
    StreamViewType: stream.StreamViewType,
  };
}

function toLambdaImage(
  image: Readonly<Record<string, AttributeValue>>,
): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toLambdaAttributeValue(value)]),
  );
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function toLambdaAttributeValue(value: AttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new Error("A stream record holds an attribute value of an unknown type.");
}
