import type { Account } from "../accounts/account";
import { toEpochSeconds } from "../idempotency/core/record";
import { applyMovement } from "./apply-movement";
import { accountsOf, type MovementOutcome } from "./movement";
import type { MovementQueue, QueuedMovement } from "./movement-queue";
import { accountWrites, type LedgerPorts, movedWrites } from "./movement-writes";

/** DynamoDB's ceiling on the writes of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** Movements read from a queue's head per fold: more than fit, so a fold is as full as it can be. */
const HEAD_READ = 24;

export interface FoldPorts<TWrite> extends LedgerPorts<TWrite> {
  readonly queue: MovementQueue<TWrite>;
  readonly now: () => Date;
}

export interface FoldSettings {
  /** How long an account stays hot (its movements queued) after a fold wrote it. */
  readonly hotMs: number;
}

/** Writes one movement adds to a fold besides its accounts': marker, queue entry, an entry per leg, resource, event. */
const itemsOf = (queued: QueuedMovement) => 4 + accountsOf(queued.movement).length;

/**
 * Folds the movements at the head of `queue` into their accounts, in queue
 * order, in ONE transaction: each account written once at its final
 * balance (conditioned on the version read, so a concurrent writer of the
 * account makes the fold read again instead of writing over it), every
 * movement's entries at the versions it made, its resource and event, and
 * its marker settled with its outcome, moved or refused.
 *
 * @param known accounts as the previous fold of this folder left them: not
 *   read again (a fold that finds one changed meanwhile fails its condition,
 *   and the next reads it); updated in place with what this fold wrote
 * @returns the keys of the movements the fold settled (none when its
 *   transaction lost to a concurrent one), or `undefined` when the queue
 *   was empty
 */
export function foldOnce<TWrite>(
  queue: string,
  ports: FoldPorts<TWrite>,
  settings: FoldSettings,
  known: Map<string, Account> = new Map(),
): Promise<ReadonlySet<string> | undefined> {
  return fold(queue, ports, settings, { known, readsAhead: false });
}

/** What a folder carries from one fold of its queue to the next. */
interface Folder {
  /** Accounts as its last fold left them (see `foldOnce`'s `known`). */
  readonly known: Map<string, Account>;
  /** Whether it reads the next head while a fold's transaction is in flight. */
  readonly readsAhead: boolean;
  /** The next fold's head, read during the last fold's transaction. */
  nextHead?: Promise<readonly QueuedMovement[]> | undefined;
}

/** `foldOnce` by `folder`: its head perhaps read ahead, and the next one read ahead when it does. */
async function fold<TWrite>(
  queue: string,
  ports: FoldPorts<TWrite>,
  settings: FoldSettings,
  folder: Folder,
): Promise<ReadonlySet<string> | undefined> {
  const { known } = folder;
  const readAhead = folder.nextHead;
  folder.nextHead = undefined;
  // The queue's own account is in almost every fold: read with the head, not after it.
  const [headRead, read] = await Promise.all([
    readAhead ?? ports.queue.head(queue, HEAD_READ),
    known.has(queue) ? undefined : ports.accounts.find(queue),
  ]);
  // A head read ahead is as old as the last fold's transaction: before it
  // stops the folder, what was queued meanwhile is looked for.
  const head =
    readAhead && headRead.length === 0 ? await ports.queue.head(queue, HEAD_READ) : headRead;
  const now = ports.now();
  const nowSeconds = toEpochSeconds(now.getTime());
  const batch: QueuedMovement[] = [];
  const stale: QueuedMovement[] = [];
  // Each account is written (or its version checked) once, whatever the movements on it.
  const accountIds = new Set<string>();
  let items = 0;
  const keys = new Set<string>();
  for (const queued of head) {
    if (items + 1 > MAX_TRANSACTION_ITEMS) break;
    if (queued.expiresAt < nowSeconds) {
      // Its key is forgotten: the request that queued it can no longer learn
      // its outcome, and another may hold the key now. It is not written.
      stale.push(queued);
      items += 1;
      continue;
    }
    // Two live entries of one key (a key reused right at its end, clocks
    // apart): one marker, so one of them per fold (one write per item).
    if (keys.has(queued.key)) break;
    const newAccounts = accountsOf(queued.movement).filter((id) => !accountIds.has(id));
    const needed = itemsOf(queued) + newAccounts.length;
    if (items + needed > MAX_TRANSACTION_ITEMS) break;
    batch.push(queued);
    keys.add(queued.key);
    for (const id of newAccounts) accountIds.add(id);
    items += needed;
  }
  if (batch.length === 0 && stale.length === 0) return undefined;

  if (read) known.set(read.id, read);
  const before = await readAccounts(ports, batch, known);
  const after = new Map(before);
  const at = now.toISOString();
  const writes: TWrite[] = stale.map((queued) => ports.queue.drop(queued));
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
  const transaction = ports.queue.transact([
    // Every account read is conditioned on its version, written or not: the
    // refusals were decided on balances that may come from an earlier fold.
    ...accountWrites(ports, before, after, { hotUntilMs, checkUnchanged: true }),
    ...writes,
  ]);
  if (folder.readsAhead) folder.nextHead = readHeadAfter(queue, ports, [...stale, ...batch]);
  const committed = await transaction;
  if (!committed) {
    // The head read ahead left out what this fold did not write after all.
    folder.nextHead = undefined;
    known.clear();
    return new Set();
  }
  for (const [id, account] of after) known.set(id, account);
  return new Set(batch.map((queued) => queued.key));
}

/**
 * The queue's head as it will be once `inFlight` is written: read while its
 * transaction runs (a read does not conflict with a transaction, and the
 * account item, the one a fold waits for, is not read), so that a busy queue's
 * folds follow each other without a read between them. An entry queued
 * after this read, even ahead of the head in `seq` order, waits for a later
 * fold; one queued before it is in the next, in `seq` order.
 */
function readHeadAfter<TWrite>(
  queue: string,
  ports: FoldPorts<TWrite>,
  inFlight: readonly QueuedMovement[],
): Promise<readonly QueuedMovement[]> {
  const taken = new Set(inFlight.map(({ seq }) => seq));
  const next = ports.queue
    .head(queue, HEAD_READ + taken.size)
    .then((head) => head.filter(({ seq }) => !taken.has(seq)).slice(0, HEAD_READ));
  // Handled here as well as where it is awaited: a folder that stops before
  // its next fold drops it, and its failure must not go unhandled.
  next.catch(() => undefined);
  return next;
}

/** The batch's accounts: those `known`, and the others read now. */
async function readAccounts<TWrite>(
  ports: FoldPorts<TWrite>,
  batch: readonly QueuedMovement[],
  known: ReadonlyMap<string, Account>,
): Promise<Map<string, Account>> {
  const ids = [...new Set(batch.flatMap((queued) => accountsOf(queued.movement)))];
  const accounts = await Promise.all(
    ids.map(async (id) => known.get(id) ?? (await ports.accounts.find(id))),
  );
  return new Map(
    accounts.map((account, index) => {
      // Accounts are never deleted, and a movement is queued only after its accounts were read.
      if (!account) throw new Error(`account ${ids[index]} of a queued movement is missing`);
      return [account.id, account];
    }),
  );
}

/**
 * Folds `queue`, whose lease the caller holds until `leaseEndsMs`, each
 * fold's head read while the previous fold's transaction runs, until
 * it is empty, the lease is about to end (`marginMs` before), the
 * invocation has less than `reserveMs` left, or `enough` says so after a fold.
 *
 * @returns how many movements it settled
 */
export async function foldWhileLeased<TWrite>(
  queue: string,
  ports: FoldPorts<TWrite> & { readonly remainingTimeMs: () => number },
  settings: FoldSettings,
  bounds: {
    readonly leaseEndsMs: number;
    readonly marginMs: number;
    readonly reserveMs: number;
    readonly enough?: (settled: ReadonlySet<string>, nowMs: number) => boolean;
  },
): Promise<number> {
  const folder: Folder = { known: new Map(), readsAhead: true };
  let count = 0;
  for (;;) {
    const settled = await fold(queue, ports, settings, folder);
    if (!settled) return count;
    count += settled.size;
    const nowMs = ports.now().getTime();
    if (bounds.enough?.(settled, nowMs)) return count;
    if (nowMs >= bounds.leaseEndsMs - bounds.marginMs) return count;
    if (ports.remainingTimeMs() < bounds.reserveMs) return count;
  }
}
