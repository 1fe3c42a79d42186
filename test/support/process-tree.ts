import { execFileSync } from "node:child_process";

/** One line of `ps`: enough to follow a process tree and tell the living from zombies. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** `ps`'s STAT: a leading `Z` is a zombie (dead, not yet reaped). */
  readonly state: string;
  readonly command: string;
}

const LINE = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/;

/** Every process of the machine (`ps`, as on Linux and macOS). */
export function listProcesses(): ProcessEntry[] {
  const output = execFileSync("ps", ["-A", "-o", "pid=,ppid=,stat=,comm="], { encoding: "utf8" });
  return output.split("\n").flatMap((line) => {
    const match = LINE.exec(line);
    if (!match) return [];
    const [, pid, ppid, state, command] = match;
    return [{ pid: Number(pid), ppid: Number(ppid), state: state ?? "", command: command ?? "" }];
  });
}

/** The processes below `pid`, children first, as they are now. */
export function descendantsOf(pid: number): ProcessEntry[] {
  const processes = listProcesses();
  const found: ProcessEntry[] = [];
  const parents = [pid];
  for (let parent = parents.shift(); parent !== undefined; parent = parents.shift()) {
    for (const child of processes.filter((entry) => entry.ppid === parent)) {
      found.push(child);
      parents.push(child.pid);
    }
  }
  return found;
}

/** The pids among `pids` that still run (a zombie has stopped running). */
export function stillRunning(pids: readonly number[]): number[] {
  const running = new Set(
    listProcesses()
      .filter((entry) => !entry.state.startsWith("Z"))
      .map((entry) => entry.pid),
  );
  return pids.filter((pid) => running.has(pid));
}
