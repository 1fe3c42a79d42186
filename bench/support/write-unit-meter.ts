import {
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import {
  cancellationReasons,
  isConditionalCheckFailure,
} from "../../functions/idempotency/stores/dynamodb-errors";
import { itemBytes, writeUnitsOf } from "./item-size";

type Item = Record<string, AttributeValue>;

/** The parts of a write request's input the meter reads. */
interface WriteInput {
  readonly TableName?: string;
  readonly Item?: Item;
  readonly Key?: Item;
  readonly TransactItems?: readonly TransactWriteItem[];
}

/** One item a write request touched. */
interface Touched {
  readonly table: string;
  readonly key: Item;
  /** The item as a Put sends it: a refused write is billed on it too. */
  readonly sent?: Item;
  readonly transactional: boolean;
}

/**
 * What became of an item's write: written; refused by its own condition;
 * or cancelled with its transaction because another item's condition failed.
 */
export type WriteOutcome = "written" | "refused" | "cancelled";

/** One item's share of a write request, computed from its size. */
export interface ItemWrite {
  readonly operation: string;
  readonly table: string;
  /** The item's `kind`, or its table's role when it has none. */
  readonly item: string;
  /** The largest of the item's sizes before, after and as sent, as DynamoDB bills it. */
  readonly bytes: number;
  readonly units: number;
  readonly outcome: WriteOutcome;
}

/** Write units DynamoDB (Local) reported for one request on one table. */
export interface ReportedUnits {
  readonly operation: string;
  readonly table: string;
  readonly units: number;
}

export interface MeteredWrites {
  readonly items: readonly ItemWrite[];
  readonly reported: readonly ReportedUnits[];
  /**
   * Write requests that failed. Those refused by a condition are billed in
   * `items` all the same, as DynamoDB bills them; the others (throttled,
   * invalid) are neither computed nor reported.
   */
  readonly refused: number;
}

/** The units of the items that match, over a request's (or several requests') writes. */
export function unitsOf(
  writes: MeteredWrites,
  matches: (write: ItemWrite) => boolean = () => true,
): number {
  return writes.items.filter(matches).reduce((total, write) => total + write.units, 0);
}

/** The units DynamoDB (Local) reported, over every request. */
export function reportedUnitsOf(writes: MeteredWrites): number {
  return writes.reported.reduce((total, report) => total + report.units, 0);
}

const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "TransactWriteItems",
]);

/**
 * Meters the write units of every write request `client` sends, two ways,
 * with an SDK middleware (the code under test is unchanged):
 * - computed: each touched item is read (consistently, through `reader`,
 *   another client) before and after the request, and billed by DynamoDB's
 *   rules on the largest of its sizes (before, after, as a Put sends it).
 *   A write refused by its condition is billed too, as DynamoDB does ("If
 *   the expression evaluates to false, DynamoDB still consumes write
 *   capacity units": developer guide, "DynamoDB read and write operations").
 *   So is every item of a transaction that such a condition cancelled, as if
 *   it had committed: an **assumption**, the guide saying only that each
 *   item is written twice, to prepare and to commit. `outcome` tells those
 *   items apart, so that a reader can bill them otherwise;
 * - reported: `ReturnConsumedCapacity: "TOTAL"` is set on the request and the
 *   `ConsumedCapacity` of the answer kept (a refused request has none).
 * Meant for requests sent one at a time: a concurrent writer of the same
 * item would blur the before-and-after reads.
 */
export class WriteUnitMeter {
  private items: ItemWrite[] = [];
  private reported: ReportedUnits[] = [];
  private refused = 0;

  constructor(
    client: DynamoDBClient,
    private readonly reader: DynamoDBClient,
    private readonly keyNames: Readonly<Record<string, readonly string[]>>,
  ) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? "unknown").replace(/Command$/, "");
        if (!WRITE_OPERATIONS.has(operation)) return next(args);
        const touched = this.touchedBy(args.input as WriteInput);
        const before = await Promise.all(touched.map((each) => this.read(each)));
        const bill = (after: readonly (Item | undefined)[], outcomes: readonly WriteOutcome[]) =>
          touched.forEach((each, index) => {
            const versions = [before[index], after[index], each.sent];
            const bytes = Math.max(...versions.map((item) => (item ? itemBytes(item) : 0)));
            this.items.push({
              operation,
              table: each.table,
              item: (after[index] ?? before[index] ?? each.sent)?.kind?.S ?? "record",
              bytes,
              units: writeUnitsOf(bytes, each.transactional),
              outcome: outcomes[index] ?? "written",
            });
          });
        let result: Awaited<ReturnType<typeof next>>;
        try {
          result = await next({
            ...args,
            input: { ...args.input, ReturnConsumedCapacity: "TOTAL" },
          });
        } catch (error) {
          this.refused += 1;
          const outcomes = refusalsOf(error);
          // Nothing was written: the items are as they were before.
          if (outcomes) bill(before, outcomes);
          throw error;
        }
        bill(await Promise.all(touched.map((each) => this.read(each))), []);
        const { ConsumedCapacity: consumed } = result.output as {
          ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
        };
        for (const { TableName, CapacityUnits } of [consumed ?? []].flat()) {
          this.reported.push({ operation, table: TableName ?? "?", units: CapacityUnits ?? 0 });
        }
        return result;
      },
      { step: "initialize", name: "benchWriteUnitMeter" },
    );
  }

  /** What was written since the last reset. */
  snapshot(): MeteredWrites {
    return { items: [...this.items], reported: [...this.reported], refused: this.refused };
  }

  reset(): void {
    this.items = [];
    this.reported = [];
    this.refused = 0;
  }

  private touchedBy(input: WriteInput): Touched[] {
    if (input.TransactItems) {
      return input.TransactItems.flatMap((entry) => {
        const action = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
        if (!action?.TableName) return [];
        const sent = "Item" in action ? action.Item : undefined;
        const key = sent ? this.keyOf(action.TableName, sent) : undefined;
        const ownKey = "Key" in action ? action.Key : undefined;
        return [
          {
            table: action.TableName,
            key: key ?? ownKey ?? {},
            ...(sent ? { sent } : {}),
            transactional: true,
          },
        ];
      });
    }
    if (!input.TableName) return [];
    const key = input.Key ?? (input.Item ? this.keyOf(input.TableName, input.Item) : {});
    return [
      {
        table: input.TableName,
        key,
        ...(input.Item ? { sent: input.Item } : {}),
        transactional: false,
      },
    ];
  }

  private keyOf(table: string, item: Item): Item {
    const names = this.keyNames[table];
    if (!names) throw new Error(`no key schema known for table ${table}`);
    return Object.fromEntries(names.flatMap((name) => (item[name] ? [[name, item[name]]] : [])));
  }

  private async read({ table, key }: Touched): Promise<Item | undefined> {
    const { Item } = await this.reader.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return Item;
  }
}

/**
 * Each item's outcome when a condition refused the request (a lone write,
 * or a transaction it cancelled); `undefined` for any other failure, which
 * the meter leaves unbilled (a throttled request is not billed; what a
 * transaction cancelled by a conflict costs, the guide does not say).
 */
function refusalsOf(error: unknown): readonly WriteOutcome[] | undefined {
  if (isConditionalCheckFailure(error)) return ["refused"];
  const reasons = cancellationReasons(error);
  if (!reasons?.some((reason) => reason.Code === "ConditionalCheckFailed")) return undefined;
  return reasons.map((reason) =>
    reason.Code === "ConditionalCheckFailed" ? "refused" : "cancelled",
  );
}
