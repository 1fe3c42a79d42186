import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Makes `child` (DynamoDB Local's Java) end when this node process ends,
 * even by SIGKILL, when no exit handler runs. Node has no
 * prctl(PR_SET_PDEATHSIG), so a small guard process watches a pipe from this
 * one and ends the child when the pipe closes (orphan-guard-process.ts). When
 * the child exits first, the guard is told to stand down.
 */
export function guardAgainstOrphaning(child: ChildProcess): void {
  if (child.pid === undefined) return;
  // The guard is TypeScript: run it with the same tsx loader, found from here.
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const guard = spawn(
    process.execPath,
    ["--import", tsx, join(__dirname, "orphan-guard-process.ts"), String(child.pid)],
    { stdio: ["pipe", "ignore", "inherit"] },
  );
  guard.on("error", (error) => {
    process.stderr.write(`The orphan guard of process ${child.pid} did not start: ${error}\n`);
  });
  const standDown = () => guard.kill("SIGTERM");
  if (child.exitCode !== null || child.signalCode !== null) standDown();
  else child.once("exit", standDown);
}
