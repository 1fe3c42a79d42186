import {
  type DynamoDbRequest,
  type ItemRef,
  itemId,
  LONE_WRITES,
  transactionCanceledByConflict,
  transactionConflictException,
  type WireAnswer,
} from "./dynamodb-wire";

/**
 * DynamoDB's transaction conflicts, which DynamoDB Local never produces (it
 * runs transactions one after another). DynamoDB's rule: a TransactWriteItems
 * is cancelled (`TransactionCanceledException`, `TransactionConflict` at the
 * index of each item another in-flight transaction holds, `None` elsewhere)
 * and a lone PutItem, UpdateItem or DeleteItem fails
 * (`TransactionConflictException`) when its item is held by a transaction in
 * flight. Reads pass: they see the last committed state.
 *
 * Two ways to meet it: `emulate()` tracks the items of the transactions in
 * flight and refuses what overlaps them, as DynamoDB would (for contention);
 * `inject()` refuses the next writes of an item as if an unseen transaction
 * held it (for one exact branch).
 */

/**
 * Items by table and key; a key naming only some attributes (the partition
 * key) matches every item that has those values.
 */
export interface ItemMatch {
  readonly table: string;
  readonly key: Readonly<Record<string, string | number>>;
}

export interface EmulationOptions {
  /**
   * How long each transaction holds its items before it reaches DynamoDB
   * Local, on top of Local's own time: DynamoDB's transactions take longer,
   * and a longer window makes overlaps as frequent as there.
   * @default 0
   */
  readonly holdMs?: number;
}

export interface InjectOptions {
  /** How many writes of the item are refused. @default 1 */
  readonly times?: number;
}

/** A way of refusing requests the test armed, and its count. */
export interface Armed {
  /** Requests it refused so far. */
  refused(): number;
  /** Refuses nothing more. */
  disarm(): void;
}

/** A request refused with DynamoDB's answer, or let through until `finish()`. */
export type Admission =
  | { readonly refusal: WireAnswer }
  | { readonly refusal?: undefined; readonly holdMs: number; readonly finish: () => void };

interface Injection {
  readonly match: ItemMatch;
  remaining: number;
  refused: number;
}

interface Emulation {
  readonly holdMs: number;
  refused: number;
}

export const itemMatches = (match: ItemMatch, item: ItemRef): boolean =>
  item.table === match.table &&
  Object.entries(match.key).every(([name, value]) => item.key[name] === value);

export class TransactionConflicts {
  private emulation: Emulation | undefined;
  /** Items held by transactions in flight: how many hold each (more than one only unemulated). */
  private readonly held = new Map<string, number>();
  private readonly injections: Injection[] = [];

  /** From now on, concurrent transactions on one item cancel one another. */
  emulate(options: EmulationOptions = {}): Armed {
    const emulation: Emulation = { holdMs: options.holdMs ?? 0, refused: 0 };
    this.emulation = emulation;
    return {
      refused: () => emulation.refused,
      disarm: () => {
        if (this.emulation === emulation) this.emulation = undefined;
      },
    };
  }

  /** The next `times` writes touching a matching item meet a transaction holding it. */
  inject(match: ItemMatch, options: InjectOptions = {}): Armed {
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`times must be a positive integer, got ${times}`);
    }
    const injection: Injection = { match, remaining: times, refused: 0 };
    this.injections.push(injection);
    return {
      refused: () => injection.refused,
      disarm: () => {
        injection.remaining = 0;
      },
    };
  }

  /**
   * Refuses `request` if it writes an item a transaction holds; otherwise,
   * when it is a transaction, holds its items until `finish()` (call it once
   * DynamoDB has answered). Synchronous: the check and the hold are one step.
   */
  admit(request: DynamoDbRequest): Admission {
    const isTransaction = request.operation === "TransactWriteItems";
    if (!isTransaction && !LONE_WRITES.has(request.operation ?? "")) {
      return { holdMs: 0, finish: () => undefined };
    }
    const emulation = this.emulation;
    const conflicting = new Set<number>();
    const firing = new Set<Injection>();
    request.items.forEach((item, index) => {
      const injected = this.injections.filter(
        (injection) => injection.remaining > 0 && itemMatches(injection.match, item),
      );
      for (const injection of injected) firing.add(injection);
      const heldInFlight = emulation !== undefined && this.held.has(itemId(item));
      if (injected.length > 0 || heldInFlight) conflicting.add(index);
    });
    if (conflicting.size > 0) {
      for (const injection of firing) {
        injection.remaining -= 1;
        injection.refused += 1;
      }
      if (firing.size === 0 && emulation) emulation.refused += 1;
      return {
        refusal: isTransaction
          ? transactionCanceledByConflict(request.items.length, conflicting)
          : transactionConflictException(),
      };
    }
    if (!isTransaction) return { holdMs: 0, finish: () => undefined };
    const ids = request.items.map(itemId);
    for (const id of ids) this.held.set(id, (this.held.get(id) ?? 0) + 1);
    let finished = false;
    return {
      holdMs: emulation?.holdMs ?? 0,
      finish: () => {
        if (finished) return;
        finished = true;
        for (const id of ids) {
          const holders = (this.held.get(id) ?? 1) - 1;
          if (holders === 0) this.held.delete(id);
          else this.held.set(id, holders);
        }
      },
    };
  }
}
