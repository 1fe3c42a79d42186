import type { Movement, MovementOutcome } from "./movement";

/** A movement waiting in its account's queue, in arrival order (`seq`). */
export interface QueuedMovement {
  readonly queue: string;
  readonly seq: string;
  /** The request's identity (its idempotency record's key): one movement per request. */
  readonly key: string;
  readonly movement: Movement;
  /**
   * Epoch seconds: its marker's end. Past it, the request's key is
   * forgotten (a new request may hold it), and a fold drops the movement
   * unwritten instead of settling a marker that is no longer its own.
   */
  readonly expiresAt: number;
}

/**
 * The marker of a request's movement, under the request's identity: what
 * makes a movement happen once whichever path writes it. A direct write
 * creates it settled in its own transaction; a queued movement creates it
 * `queued`, and the fold that writes the movement settles it.
 */
export type MovementMarker =
  | { readonly key: string; readonly fingerprint: string; readonly status: "queued" }
  | {
      readonly key: string;
      readonly fingerprint: string;
      readonly status: "settled";
      readonly outcome: MovementOutcome;
    };

/** A queue with a movement waiting since `sinceMs` (epoch ms). */
export interface WaitingQueue {
  readonly queue: string;
  readonly sinceMs: number;
}

export type EnqueueResult =
  | { readonly queued: true }
  /** A live marker holds the key: nothing was queued. */
  | { readonly queued: false; readonly marker: MovementMarker }
  /**
   * A transaction in flight on the marker (a duplicate's) cancelled this one
   * before it committed one: nothing was queued; try again shortly.
   */
  | { readonly queued: false; readonly contended: true };

/**
 * Where contended movements wait to be folded into their accounts' balances,
 * and the lease that lets one folder at a time fold a queue. `TWrite` is the
 * adapter's unit of write: a fold commits its account updates, entries,
 * resources, events and settled markers in one transaction.
 */
export interface MovementQueue<TWrite> {
  /**
   * Queues `entry` and creates its marker, `queued`, in one atomic write,
   * unless a live marker (one not past `expiresAt`) holds its key.
   */
  enqueue(
    entry: QueuedMovement & { readonly fingerprint: string },
    nowMs: number,
  ): Promise<EnqueueResult>;
  /**
   * The marker of `key` (even past its end: one settled before then still
   * answers its request) and whether the fold lease of `queue` is free
   * (absent or run out), in one round trip: what a waiting request looks at.
   */
  poll(
    key: string,
    queue: string,
    nowMs: number,
  ): Promise<{ readonly marker: MovementMarker | undefined; readonly leaseFree: boolean }>;
  /** Takes the fold lease of `queue` until `untilMs` if it is free; whether it did. */
  takeLease(queue: string, token: string, untilMs: number, nowMs: number): Promise<boolean>;
  /** Ends the lease if `token` still holds it. */
  releaseLease(queue: string, token: string): Promise<void>;
  /**
   * Queues with a movement queued before `beforeMs`, oldest movement first
   * (one entry per movement: a queue may come more than once), read from an
   * index (eventually consistent): what the reconciler folds.
   */
  waiting(beforeMs: number, limit: number): Promise<readonly WaitingQueue[]>;
  /** The first `limit` movements of `queue`, oldest first, read consistently. */
  head(queue: string, limit: number): Promise<readonly QueuedMovement[]>;
  /** The marker a direct write of a movement creates with it: fails the write if a live one exists. */
  settledMarker(
    marker: {
      readonly key: string;
      readonly fingerprint: string;
      readonly outcome: MovementOutcome;
    },
    expiresAt: number,
    nowMs: number,
  ): TWrite;
  /**
   * A folded movement's writes: its marker settled (only while it is this
   * entry's, queued), its queue entry gone.
   */
  settle(queued: QueuedMovement, outcome: MovementOutcome): readonly TWrite[];
  /** A movement past its marker's end: its queue entry gone, nothing written for it. */
  drop(queued: QueuedMovement): TWrite;
  /**
   * Commits `writes` in one transaction.
   *
   * @returns false when a condition failed or a concurrent transaction won:
   *   nothing was written, read again
   */
  transact(writes: readonly TWrite[]): Promise<boolean>;
}
