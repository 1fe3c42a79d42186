import {
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
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
  readonly transactional: boolean;
}

/** One item's share of a successful write request, computed from its size. */
export interface ItemWrite {
  readonly operation: string;
  readonly table: string;
  /** The item's `kind`, or its table's role when it has none. */
  readonly item: string;
  /** The larger of the item's size before and after the write, as DynamoDB bills it. */
  readonly bytes: number;
  readonly units: number;
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
  /** Write requests that failed: neither computed nor reported. */
  readonly refused: number;
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
 *   rules on the larger of the two sizes;
 * - reported: `ReturnConsumedCapacity: "TOTAL"` is set on the request and the
 *   `ConsumedCapacity` of the answer kept.
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
        let result: Awaited<ReturnType<typeof next>>;
        try {
          result = await next({
            ...args,
            input: { ...args.input, ReturnConsumedCapacity: "TOTAL" },
          });
        } catch (error) {
          this.refused += 1;
          throw error;
        }
        const after = await Promise.all(touched.map((each) => this.read(each)));
        touched.forEach((each, index) => {
          const [old, written] = [before[index], after[index]];
          const bytes = Math.max(old ? itemBytes(old) : 0, written ? itemBytes(written) : 0);
          this.items.push({
            operation,
            table: each.table,
            item: (written ?? old)?.kind?.S ?? "record",
            bytes,
            units: writeUnitsOf(bytes, each.transactional),
          });
        });
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
        const key =
          "Item" in action && action.Item ? this.keyOf(action.TableName, action.Item) : undefined;
        const ownKey = "Key" in action ? action.Key : undefined;
        return [{ table: action.TableName, key: key ?? ownKey ?? {}, transactional: true }];
      });
    }
    if (!input.TableName) return [];
    const key = input.Key ?? (input.Item ? this.keyOf(input.TableName, input.Item) : {});
    return [{ table: input.TableName, key, transactional: false }];
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
