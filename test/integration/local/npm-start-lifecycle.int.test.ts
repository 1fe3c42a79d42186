import { findFreePort, isPortFree } from "../../../lib/local/dynamodb-local";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";
import { type ProcessEntry, processTreeOf, stillRunning } from "../../support/process-tree";
import { until } from "../../support/within";

// `npm start` as IDEs and process managers run it: they stop it with a signal
// to whichever process they hold, and expect the whole tree to go, DynamoDB
// Local's Java included, and the port to be free again.

jest.setTimeout(120_000);

/** Long enough for a graceful stop on a busy 2-core machine; a leak never ends. */
const STOPPED_WITHIN_MS = 30_000;

interface Running {
  readonly api: LocalApiProcess;
  readonly port: number;
  readonly npm: number;
  /** The node process that serves the API (the parent of DynamoDB Local's Java). */
  readonly node: number;
  readonly java: readonly ProcessEntry[];
  /** npm and every process it started, as they were once the API listened. */
  readonly tree: readonly ProcessEntry[];
}

let running: Running | undefined;
afterEach(async () => {
  // Whatever the outcome, leave nothing behind (by pid: only what this test started).
  await running?.api.kill();
  for (const { pid } of stillRunning(running?.tree ?? [])) process.kill(pid, "SIGKILL");
  running = undefined;
});

async function startNpmStart(): Promise<Running> {
  const port = await findFreePort();
  // An empty DYNAMODB_ENDPOINT (the tier sets one) makes it start its own DynamoDB Local.
  const api = await startLocalApiProcess(
    { PORT: String(port), DYNAMODB_ENDPOINT: "" },
    { via: "npm-start" },
  );
  const npm = api.child.pid ?? 0;
  const tree = processTreeOf(npm);
  const java = tree.filter((entry) => entry.command === "java");
  const node = java[0]?.ppid ?? 0;
  running = { api, port, npm, node, java, tree };
  expect(java).toHaveLength(1);
  expect(tree.find((entry) => entry.pid === node)?.command).toBe("node");
  return running;
}

/** Waits until every process of the tree has ended and the port is free. */
async function stopped(started: Running): Promise<void> {
  await until(
    async () => stillRunning(started.tree).length === 0 && (await isPortFree(started.port)),
    STOPPED_WITHIN_MS,
    "the whole of npm start stopping",
  ).catch((error: unknown) => {
    throw new Error(
      `${String(error)}; still running: ${JSON.stringify(stillRunning(started.tree))}`,
    );
  });
}

describe("npm start", () => {
  it.each([
    ["SIGTERM", "npm"],
    ["SIGINT", "npm"],
    ["SIGTERM", "node"],
    ["SIGINT", "node"],
  ] as const)("stops entirely on %s to the %s process", async (signal, target) => {
    const started = await startNpmStart();

    process.kill(target === "npm" ? started.npm : started.node, signal);
    await stopped(started);

    expect(stillRunning(started.java)).toEqual([]);
    expect(await isPortFree(started.port)).toBe(true);
    expect(started.api.output()).toContain(`${signal}: stopping`);
  });

  it("leaves no Java behind when its node process is killed with SIGKILL", async () => {
    const started = await startNpmStart();

    process.kill(started.node, "SIGKILL");
    await stopped(started);

    expect(stillRunning(started.java)).toEqual([]);
    expect(await isPortFree(started.port)).toBe(true);
  });

  it("stops entirely when the npm process is killed with SIGKILL", async () => {
    const started = await startNpmStart();

    process.kill(started.npm, "SIGKILL");
    await stopped(started);

    expect(stillRunning(started.java)).toEqual([]);
    expect(started.api.output()).toContain("stopping");
  });
});
