import type {
  AttributeValue,
  ConsumedCapacity,
  DynamoDBClient,
  ItemResponse,
} from "@aws-sdk/client-dynamodb";
import { itemBytes, readUnitsOf } from "./item-size";

type Item = Record<string, AttributeValue>;

/** One read request's units. */
export interface MeteredRead {
  readonly operation: string;
  /** As DynamoDB (Local) returned them in `ConsumedCapacity`. */
  readonly reported: number;
  /**
   * From the items returned, by the developer guide's rules, to check the
   * report against; only where the answer holds every item read (`GetItem`,
   * `TransactGetItems`): a `Query` or `Scan` bills items it filtered out.
   */
  readonly computed?: number;
}

const READ_OPERATIONS: ReadonlySet<string> = new Set([
  "GetItem",
  "BatchGetItem",
  "Query",
  "Scan",
  "TransactGetItems",
]);

/** The parts of a read request and of its answer the meter reads. */
interface ReadInput {
  readonly ConsistentRead?: boolean;
}
interface ReadOutput {
  readonly ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
  readonly Item?: Item;
  readonly Responses?: ItemResponse[] | Record<string, Item[]>;
}

/**
 * Meters the read units of every read request `client` sends, with an SDK
 * middleware that sets `ReturnConsumedCapacity: "TOTAL"` and keeps what the
 * answer reports. Unlike its transactional writes, DynamoDB Local reports
 * reads as the guide bills them (probed: a strongly consistent `GetItem` of
 * a small item 1, of a 5 KB item 2, of a missing item 1, an eventually
 * consistent one 0.5, `TransactGetItems` of both items 6), so the report is
 * what the bill uses; the computed figure is its cross-check.
 */
export class ReadUnitMeter {
  private reads: MeteredRead[] = [];

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? "unknown").replace(/Command$/, "");
        if (!READ_OPERATIONS.has(operation)) return next(args);
        const result = await next({
          ...args,
          input: { ...args.input, ReturnConsumedCapacity: "TOTAL" },
        });
        const output = result.output as ReadOutput;
        const reported = [output.ConsumedCapacity ?? []]
          .flat()
          .reduce((total, consumed) => total + (consumed.CapacityUnits ?? 0), 0);
        const computed = computedUnits(operation, args.input as ReadInput, output);
        this.reads.push({ operation, reported, ...(computed === undefined ? {} : { computed }) });
        return result;
      },
      { step: "initialize", name: "benchReadUnitMeter" },
    );
  }

  /** What was read since the last reset. */
  snapshot(): readonly MeteredRead[] {
    return [...this.reads];
  }

  reset(): void {
    this.reads = [];
  }
}

function computedUnits(
  operation: string,
  input: ReadInput,
  output: ReadOutput,
): number | undefined {
  const bytesOf = (item: Item | undefined) => (item ? itemBytes(item) : 0);
  if (operation === "GetItem") {
    return readUnitsOf(bytesOf(output.Item), input.ConsistentRead ? "strong" : "eventual");
  }
  if (operation === "TransactGetItems" && Array.isArray(output.Responses)) {
    return output.Responses.reduce(
      (total, response) => total + readUnitsOf(bytesOf(response.Item), "transactional"),
      0,
    );
  }
  return undefined;
}
