/**
 * How a local dev process (`npm start`, `npm run db`) ends: on SIGINT (Ctrl-C)
 * or SIGTERM (what IDEs and process managers send), and when the process that
 * started it is gone (npm killed with SIGKILL: nobody would ever signal this
 * one again, and it would hold its port forever). It runs `stop` once,
 * whatever arrives next, then exits.
 *
 * The npm scripts `exec` node, so npm's own signal forwarding reaches this
 * process: without `exec`, npm signals the `sh -c` in between, which dies
 * alone and leaves node running.
 */

/** How often the parent is looked at: getppid() is a cheap system call. */
const PARENT_CHECK_MS = 500;

export function stopOnSignals(stop: () => Promise<void>): void {
  const parent = process.ppid;
  let stopping = false;
  const stopFor = (reason: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(parentCheck);
    process.stdout.write(`\n${reason}: stopping\n`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Could not stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stopFor("SIGINT"));
  process.on("SIGTERM", () => stopFor("SIGTERM"));
  // An orphan is adopted by init (or a subreaper): its parent id changes.
  const parentCheck = setInterval(() => {
    if (process.ppid !== parent) stopFor(`parent process ${parent} exited`);
  }, PARENT_CHECK_MS);
  parentCheck.unref();
}
