import { randomUUID } from "node:crypto";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";

jest.setTimeout(120_000);

interface PlannedRequest {
  readonly key: string;
  readonly path: string;
  readonly body: { amount: number; fromAccountId?: string; toAccountId?: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends a request with its key until the API gives a final answer. */
async function retryUntilAnswered(caller: ApiCaller, request: PlannedRequest) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const answer = await caller.post(request.path, request.body, { key: request.key });
      if (answer.status !== 409 && answer.status < 500) return answer;
    } catch {
      // The server is down or restarting: that is the point of the test.
    }
    if (Date.now() > deadline) throw new Error(`no final answer for ${request.path}`);
    await sleep(200);
  }
}

describe("a server killed mid-flight", () => {
  let server: LocalApiProcess | undefined;
  afterEach(async () => server?.kill());

  it("moves every retried request's money exactly once after a SIGKILL and a restart", async () => {
    const port = String(await findFreePort());
    // A short function timeout makes the leases of the killed attempts run out soon.
    const environment = { PORT: port, JWT_SECRET: TEST_JWT_SECRET, FUNCTION_TIMEOUT_SECONDS: "2" };
    server = await startLocalApiProcess(environment);
    const alice = new ApiCaller(server.url, `crash-${randomUUID()}`);
    const source = await alice.openAccount("EUR", 10_000);
    const target = await alice.openAccount("EUR");
    const requests: PlannedRequest[] = [
      ...Array.from({ length: 15 }, (_, index) => ({
        key: randomUUID(),
        path: `/accounts/${source}/deposits`,
        body: { amount: (index + 1) * 10 },
      })),
      ...Array.from({ length: 15 }, () => ({
        key: randomUUID(),
        path: "/transfers",
        body: { fromAccountId: source, toAccountId: target, amount: 100 },
      })),
    ];

    const inFlight = requests.map((request) =>
      alice.post(request.path, request.body, { key: request.key }).catch(() => undefined),
    );
    await sleep(60);
    await server.kill();
    const beforeCrash = await Promise.all(inFlight);
    server = await startLocalApiProcess(environment);
    const answers = await Promise.all(
      requests.map((request) => retryUntilAnswered(alice, request)),
    );

    expect(beforeCrash.some((answer) => answer === undefined)).toBe(true);
    expect(answers.map((answer) => answer.status)).toEqual(requests.map(() => 201));
    const deposited = requests.slice(0, 15).reduce((sum, request) => sum + request.body.amount, 0);
    const transferred = 15 * 100;
    expect(await alice.balanceOf(source)).toBe(10_000 + deposited - transferred);
    expect(await alice.balanceOf(target)).toBe(transferred);
    const sourceEntries = await alice.entriesOf(source);
    expect(sourceEntries).toHaveLength(1 + 15 + 15);
    expect(sourceEntries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(
      await alice.balanceOf(source),
    );
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(30);
  });
});
