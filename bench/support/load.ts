import { performance } from "node:perf_hooks";

export interface LoadResult {
  /** Milliseconds per request, in the order they finished. */
  readonly latencies: number[];
  /** Requests per second over the whole run. */
  readonly throughput: number;
  /** How many answers had each status. */
  readonly statuses: ReadonlyMap<number, number>;
}

/**
 * Sends `requests` requests from `concurrency` workers, each sending its next
 * one as soon as the previous answered (a closed loop, as clients behave).
 * `send(worker, index)` returns the answer's status.
 */
export async function runLoad(
  requests: number,
  concurrency: number,
  send: (worker: number, index: number) => Promise<number>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let index = next++; index < requests; index = next++) {
        const sentAt = performance.now();
        const status = await send(worker, index);
        latencies.push(performance.now() - sentAt);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return { latencies, throughput: requests / seconds, statuses };
}

/** `201×640` or `201×600, 503×40`. */
export function describeStatuses(statuses: ReadonlyMap<number, number>): string {
  return [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(", ");
}
