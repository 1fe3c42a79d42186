import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processTreeOf } from "./process-tree";

const ROOT = join(__dirname, "..", "..");

export interface LocalApiProcess {
  readonly url: string;
  /** The process spawned: node itself, or npm for `via: "npm-start"`. */
  readonly child: ChildProcess;
  /** Settles when the spawned process has exited. */
  readonly exited: Promise<void>;
  /** Everything the start printed up to now (stdout and stderr). */
  output(): string;
  /** Every line it wrote to stdout so far (its logs and EMF metrics), oldest first. */
  stdoutLines(): string[];
  /**
   * Ends it the hard way, as a crash would: no cleanup, requests cut off.
   * Everything it started goes too, so that no test leaves a process behind.
   */
  kill(): Promise<void>;
}

export interface LocalApiProcessOptions {
  /**
   * `node`: one process (tsx as a loader, not its CLI, which forks a second
   * one), so that SIGKILL really kills the server. `npm-start`: the real
   * `npm start` script, as a developer, an IDE or a process manager runs it.
   * @default "node"
   */
  readonly via?: "node" | "npm-start";
}

/** The local API in a process of its own; resolves once it printed `API listening on`. */
export function startLocalApiProcess(
  environment: Record<string, string>,
  options: LocalApiProcessOptions = {},
): Promise<LocalApiProcess> {
  const [command, args] =
    options.via === "npm-start"
      ? ["npm", ["start"]]
      : [process.execPath, ["--import", "tsx", "bin/local.ts"]];
  const child = spawn(command, args, {
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
  let output = "";
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const kill = async () => {
    const tree = child.pid === undefined ? [] : processTreeOf(child.pid);
    for (const { pid } of tree) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`local API did not start in time:\n${output}`));
    }, 60_000);
    const onData = () => {
      const match = /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onEarlyExit);
      resolve({
        url: match[1],
        child,
        exited,
        output: () => output,
        stdoutLines: () => stdout.split("\n").filter((line) => line !== ""),
        kill,
      });
    };
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`local API exited with ${code} before it was ready:\n${output}`));
    };
    child.stdout?.on("data", onData);
    child.once("exit", onEarlyExit);
  });
}
