import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

export interface LocalApiProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every line it wrote to stdout so far (its logs and EMF metrics), oldest first. */
  stdoutLines(): string[];
  /** Ends it the hard way, as a crash would: no cleanup, requests cut off. */
  kill(): Promise<void>;
}

/**
 * `npm start` as a separate process (tsx bin/local.ts), so that a test can
 * kill it with SIGKILL while requests are in flight.
 */
export function startLocalApiProcess(
  environment: Record<string, string>,
): Promise<LocalApiProcess> {
  // One process (tsx as a loader, not its CLI, which forks a second one), so
  // that SIGKILL really kills the server.
  const child = spawn(process.execPath, ["--import", "tsx", "bin/local.ts"], {
    cwd: ROOT,
    // Its published events go to a file of its own, not into the checkout.
    env: {
      ...process.env,
      OUTBOX_SINK_FILE: join(mkdtempSync(join(tmpdir(), "local-api-")), "outbox-events.jsonl"),
      ...environment,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`local API did not start in time:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve({
          url: match[1],
          child,
          stdoutLines: () => stdout.split("\n").filter((line) => line !== ""),
          kill: async () => {
            child.kill("SIGKILL");
            await exited;
          },
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`local API exited with ${code} before it was ready:\n${output}`));
    });
  });
}
