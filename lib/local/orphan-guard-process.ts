import * as z from "zod";

/**
 * The orphan guard's own process (see orphan-guard.ts), run as
 * `node --import tsx orphan-guard-process.ts <pid>`. Its stdin is a pipe from
 * the node process that started `<pid>`: the kernel closes that pipe when
 * the node process ends, however it ends (SIGKILL, a crash, the OOM killer),
 * and the end of its stdin is this guard's cue to end `<pid>` too.
 *
 * SIGTERM is the parent's "`<pid>` has exited, stand down": the guard then
 * exits without signalling anything, so a pid the system has reused since is
 * never touched.
 */

const GRACE_MS = 5_000;
const POLL_MS = 100;

const pid = z.coerce.number().int().positive().parse(process.argv[2]);

/** Sends `signal` (0: only looks); false once the process is gone. */
function signal(target: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, name);
    return true;
  } catch {
    return false;
  }
}

async function endGuardedProcess(): Promise<void> {
  if (!signal(pid, "SIGTERM")) return;
  const deadline = Date.now() + GRACE_MS;
  while (signal(pid, 0)) {
    if (Date.now() > deadline) {
      signal(pid, "SIGKILL");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

process.on("SIGTERM", () => process.exit(0));
// Ctrl-C in a terminal reaches the whole process group: the parent handles it,
// and if the parent dies of it, the pipe tells.
process.on("SIGINT", () => undefined);
process.stdin.on("error", () => undefined);
process.stdin.once("close", () => {
  void endGuardedProcess().finally(() => process.exit(0));
});
process.stdin.resume();
