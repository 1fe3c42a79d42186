import { performance } from "node:perf_hooks";

/** How many answers had each status. */
export type StatusTally = Map<number, number>;

export interface LoadResult {
  /** Milliseconds per request, in the order they finished. */
  readonly latencies: number[];
  readonly elapsedMs: number;
  readonly statuses: StatusTally;
}

/**
 * Sends `requests` requests from `concurrency` workers, each sending its next
 * one as soon as the previous answered (a closed loop, as clients behave).
 * `send(worker)` returns the answer's status.
 */
export function runLoad(
  requests: number,
  concurrency: number,
  send: (worker: number) => Promise<number>,
): Promise<LoadResult> {
  let started = 0;
  return closedLoop(concurrency, send, () => {
    started += 1;
    return started <= requests;
  });
}

/**
 * The same closed loop for `durationMs`: no request starts after it; those
 * in flight are waited for, and count.
 */
export function runForDuration(
  durationMs: number,
  concurrency: number,
  send: (worker: number) => Promise<number>,
): Promise<LoadResult> {
  const endsAt = performance.now() + durationMs;
  return closedLoop(concurrency, send, () => performance.now() < endsAt);
}

async function closedLoop(
  concurrency: number,
  send: (worker: number) => Promise<number>,
  mayStart: () => boolean,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: number[] = [];
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (mayStart()) {
        const sentAt = performance.now();
        statuses.push(await send(worker));
        latencies.push(performance.now() - sentAt);
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - startedAt, statuses: tally(statuses) };
}

export function tally(statuses: Iterable<number>, into: StatusTally = new Map()): StatusTally {
  for (const status of statuses) into.set(status, (into.get(status) ?? 0) + 1);
  return into;
}

export function mergeTallies(tallies: Iterable<StatusTally>): StatusTally {
  const merged: StatusTally = new Map();
  for (const each of tallies) {
    for (const [status, count] of each) merged.set(status, (merged.get(status) ?? 0) + count);
  }
  return merged;
}

/** `201×640` or `201×600, 503×40`. */
export function describeStatuses(statuses: StatusTally): string {
  return [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(", ");
}
