import { execFileSync } from "node:child_process";
import { basename } from "node:path";

/** One line of `ps`: enough to follow a process tree and tell the living from zombies. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** `ps`'s STAT: a leading `Z` is a zombie (dead, not yet reaped). */
  readonly state: string;
  /**
   * The program, as it was started: the base name of its first argument
   * (`node`, `java`; `npm` once npm has set its title). Not `ps`'s `comm`: on
   * Linux that is the main thread's name, which Node 24 sets to `MainThread`.
   */
  readonly command: string;
}

const LINE = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S*)/;

/** Every process of the machine (`ps`, as on Linux and macOS). */
export function listProcesses(): ProcessEntry[] {
  const output = execFileSync("ps", ["-A", "-o", "pid=,ppid=,stat=,args="], { encoding: "utf8" });
  return output.split("\n").flatMap((line) => {
    const match = LINE.exec(line);
    if (!match) return [];
    const [, pid, ppid, state, program] = match;
    const command = basename(program ?? "");
    return [{ pid: Number(pid), ppid: Number(ppid), state: state ?? "", command }];
  });
}

/** The process `pid` and every process below it, as they are now. */
export function processTreeOf(pid: number): ProcessEntry[] {
  const processes = listProcesses();
  const found = processes.filter((entry) => entry.pid === pid);
  const parents = [pid];
  for (let parent = parents.shift(); parent !== undefined; parent = parents.shift()) {
    for (const child of processes.filter((entry) => entry.ppid === parent)) {
      found.push(child);
      parents.push(child.pid);
    }
  }
  return found;
}

/**
 * The processes among `entries` that still run: same pid, same command (a
 * pid the system gave to another program since is not ours), not a zombie.
 */
export function stillRunning(entries: readonly ProcessEntry[]): ProcessEntry[] {
  const running = listProcesses().filter((entry) => !entry.state.startsWith("Z"));
  return entries.filter((entry) =>
    running.some((other) => other.pid === entry.pid && other.command === entry.command),
  );
}
