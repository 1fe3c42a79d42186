/** Something to time: `run` is called `iterations` times per batch. */
export interface CpuRun {
  readonly id: string;
  readonly iterations: number;
  readonly run: () => unknown;
}

/**
 * CPU (user + system) microseconds per call of each run, per round: one
 * warm-up batch each, then `rounds` rounds in which every run times one
 * batch, in an order rotated by one each round. The same index is the same
 * round in every run's list, so ratios can be taken round by round.
 */
export async function cpuMicrosPerRound(
  runs: readonly CpuRun[],
  rounds: number,
): Promise<Map<string, number[]>> {
  const batch = async ({ iterations, run }: CpuRun) => {
    const before = process.cpuUsage();
    for (let index = 0; index < iterations; index += 1) await run();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / iterations;
  };
  for (const each of runs) await batch(each);
  const measured = new Map<string, number[]>(runs.map(({ id }) => [id, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let turn = 0; turn < runs.length; turn += 1) {
      const each = runs[(turn + round) % runs.length];
      if (each) measured.get(each.id)?.push(await batch(each));
    }
  }
  return measured;
}
