import type { Account } from "../accounts/account";
import { applyMovement } from "./apply-movement";
import { accountsOf, type MovementOutcome } from "./movement";
import type { MovementQueue, QueuedMovement } from "./movement-queue";
import { accountWrites, type LedgerPorts, movedWrites } from "./movement-writes";

/** DynamoDB's ceiling on the writes of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** Movements read from a queue's head per fold: more than fit, so a fold is as full as it can be. */
const HEAD_READ = 32;

export interface FoldPorts<TWrite> extends LedgerPorts<TWrite> {
  readonly queue: MovementQueue<TWrite>;
  readonly now: () => Date;
}

export interface FoldSettings {
  /** How long an account stays hot (its movements queued) after a fold wrote it. */
  readonly hotMs: number;
}

/** Writes one movement needs in a fold at most: marker, queue entry, two entries, resource, event, two accounts. */
const itemsOf = (queued: QueuedMovement) => 4 + 2 * accountsOf(queued.movement).length;

/**
 * Folds the movements at the head of `queue` into their accounts, in queue
 * order, in ONE transaction: each account written once at its final
 * balance (conditioned on the version read, so a concurrent writer of the
 * account makes the fold read again instead of writing over it), every
 * movement's entries at the versions it made, its resource and event, and
 * its marker settled with its outcome, moved or refused.
 *
 * @returns the keys of the movements the fold settled (none when its
 *   transaction lost to a concurrent one), or `undefined` when the queue
 *   was empty
 */
export async function foldOnce<TWrite>(
  queue: string,
  ports: FoldPorts<TWrite>,
  settings: FoldSettings,
): Promise<ReadonlySet<string> | undefined> {
  const head = await ports.queue.head(queue, HEAD_READ);
  const batch: QueuedMovement[] = [];
  let items = 0;
  for (const queued of head) {
    if (items + itemsOf(queued) > MAX_TRANSACTION_ITEMS) break;
    batch.push(queued);
    items += itemsOf(queued);
  }
  if (batch.length === 0) return undefined;

  const before = await readAccounts(ports, batch);
  const after = new Map(before);
  const now = ports.now();
  const at = now.toISOString();
  const writes: TWrite[] = [];
  for (const queued of batch) {
    const applied = applyMovement(after, queued.movement, at);
    const outcome: MovementOutcome =
      applied.status === "moved"
        ? { status: "moved", result: applied.result }
        : { status: "refused", refusal: applied.refusal };
    writes.push(...ports.queue.settle(queued, outcome));
    if (applied.status === "moved") writes.push(...movedWrites(ports, applied));
  }
  const hotUntilMs = now.getTime() + settings.hotMs;
  const committed = await ports.queue.transact([
    ...accountWrites(ports, before, after, hotUntilMs),
    ...writes,
  ]);
  return committed ? new Set(batch.map((queued) => queued.key)) : new Set();
}

async function readAccounts<TWrite>(
  ports: FoldPorts<TWrite>,
  batch: readonly QueuedMovement[],
): Promise<Map<string, Account>> {
  const ids = [...new Set(batch.flatMap((queued) => accountsOf(queued.movement)))];
  const accounts = await Promise.all(ids.map((id) => ports.accounts.find(id)));
  return new Map(
    accounts.map((account, index) => {
      // Accounts are never deleted, and a movement is queued only after its accounts were read.
      if (!account) throw new Error(`account ${ids[index]} of a queued movement is missing`);
      return [account.id, account];
    }),
  );
}
