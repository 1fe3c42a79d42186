import { randomUUID } from "node:crypto";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import { type ApiAnswer, ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";
import { within } from "../../support/within";

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

/**
 * The server (its own process) reaches DynamoDB Local through a proxy in this
 * test process, which makes "mid-flight" a fact rather than a guess about
 * timing: when SIGKILL lands, one transfer is known to have reached the
 * handler and sent its transaction, which the proxy holds unsent (it never
 * commits), and one deposit is known to have committed without its answer
 * reaching the server (the proxy holds DynamoDB's answer). The other 29
 * requests are wherever they are.
 */
describe("a server killed mid-flight", () => {
  let server: LocalApiProcess | undefined;
  let proxy: DynamoDbProxy | undefined;
  afterEach(async () => {
    await server?.kill();
    await proxy?.close();
  });

  it("moves every retried request's money exactly once after a SIGKILL and a restart", async () => {
    proxy = await startDynamoDbProxy(testEnvironment().endpoint);
    // Deposits and transfers are commit routes: no lease to wait for after the crash.
    const environment = {
      PORT: String(await findFreePort()),
      JWT_SECRET: TEST_JWT_SECRET,
      DYNAMODB_ENDPOINT: proxy.url,
    };
    server = await startLocalApiProcess(environment);
    const alice = new ApiCaller(server.url, `crash-${randomUUID()}`);
    const source = await alice.openAccount("EUR", 10_000);
    const target = await alice.openAccount("EUR");
    // An account no other request touches: its deposit's first commit cannot
    // lose an optimistic-locking race (and be retried unheld by the handler).
    const aside = await alice.openAccount("EUR");
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
    // A transaction names its record by a digest of the caller and the key.
    const marker = (request: PlannedRequest) => callerRecordKey(alice.sub, request.key);
    const unsent = requests[20] as PlannedRequest;
    const unanswered: PlannedRequest = {
      key: randomUUID(),
      path: `/accounts/${aside}/deposits`,
      body: { amount: 70 },
    };
    const send = (request: PlannedRequest) =>
      alice.post(request.path, request.body, { key: request.key }).then(
        (answer): ApiAnswer | undefined => answer,
        () => undefined,
      );

    // The 30 requests are sent; the transfer `unsent` is held at DynamoDB's door.
    const firstAttempts = new Map<PlannedRequest, Promise<ApiAnswer | undefined>>();
    const held = proxy.holdRequestOf(marker(unsent));
    for (const request of requests) firstAttempts.set(request, send(request));
    await within(held.arrived, 30_000, "the held transfer's transaction");
    // Then the deposit `unanswered`, whose commit DynamoDB acknowledges to no one.
    const { committed } = proxy.holdAnswerOf(marker(unanswered));
    firstAttempts.set(unanswered, send(unanswered));
    await within(committed, 30_000, "the unanswered deposit's commit");
    await server.kill();
    await Promise.all(firstAttempts.values());
    server = await startLocalApiProcess(environment);
    const answers = await Promise.all(
      [...requests, unanswered].map((request) => retryUntilAnswered(alice, request)),
    );
    const answerOf = (request: PlannedRequest) =>
      answers[request === unanswered ? requests.length : requests.indexOf(request)];

    // Both were in flight when the server died: neither answered.
    expect(await firstAttempts.get(unsent)).toBeUndefined();
    expect(await firstAttempts.get(unanswered)).toBeUndefined();
    // The transfer never committed: its retry runs it. The deposit had: replayed.
    expect(answerOf(unsent)?.headers.get("idempotent-replayed")).toBeNull();
    expect(answerOf(unanswered)?.headers.get("idempotent-replayed")).toBe("true");
    expect(answerOf(unanswered)?.body).toMatchObject({ amount: unanswered.body.amount });
    // Every request moved its money once.
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    const deposited = requests.slice(0, 15).reduce((sum, request) => sum + request.body.amount, 0);
    const transferred = 15 * 100;
    expect(await alice.balanceOf(source)).toBe(10_000 + deposited - transferred);
    expect(await alice.balanceOf(target)).toBe(transferred);
    const sourceEntries = await alice.entriesOf(source);
    expect(sourceEntries).toHaveLength(1 + 15 + 15);
    expect(sourceEntries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(
      await alice.balanceOf(source),
    );
    expect(await alice.entriesOf(target)).toHaveLength(15);
    expect(await alice.balanceOf(aside)).toBe(70);
    expect(await alice.entriesOf(aside)).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(31);
  });
});
