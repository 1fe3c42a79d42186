import { randomUUID } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { callerRecordKey } from "../../../functions/idempotency";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { readRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";

/**
 * The server dies after its transaction committed and before it answered.
 *
 * How the window is made real without touching production code: the server
 * (a separate process, `npm start`) is given a DynamoDB endpoint that is a
 * proxy in this test process, in front of the tier's DynamoDB Local. Every
 * call passes through, except the one TransactWriteItems carrying the test's
 * key: the proxy forwards it, DynamoDB commits it and answers 200, and the
 * proxy keeps that answer. At that moment the commit is known to have
 * happened (DynamoDB said so, and the record is read COMPLETED) and the
 * server cannot have answered the client, since it does not know yet that
 * its commit succeeded. The test then kills it with SIGKILL. Polling the
 * record against an unhindered server, or withholding reads on the client
 * side, would only catch the window by luck: the server answers microseconds
 * after the commit, and a client that stops reading does not stop the
 * server from finishing.
 */

jest.setTimeout(120_000);

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface HeldCommit {
  /** Resolves once DynamoDB has committed the transaction and the proxy holds its answer. */
  readonly committed: Promise<void>;
}

/** An HTTP proxy for DynamoDB that can swallow the answer of one committed transaction. */
async function startDynamoDbProxy(target: string) {
  const targetUrl = new URL(target);
  let armed: { marker: string; resolve: () => void } | undefined;
  const held: ServerResponse[] = [];

  const forward = (incoming: IncomingMessage, body: Buffer) =>
    new Promise<Upstream>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          hostname: targetUrl.hostname,
          port: targetUrl.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });

  const server = createServer((incoming, answer) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      forward(incoming, body).then(
        (upstream) => {
          const target = String(incoming.headers["x-amz-target"] ?? "");
          const commitToHold =
            armed !== undefined &&
            target.endsWith(".TransactWriteItems") &&
            body.includes(armed.marker) &&
            upstream.status === 200;
          if (commitToHold && armed) {
            held.push(answer);
            armed.resolve();
            armed = undefined;
            return;
          }
          answer.writeHead(upstream.status, upstream.headers);
          answer.end(upstream.body);
        },
        () => answer.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    /** Holds the answer of the next committed transaction whose request contains `marker`. */
    holdCommitOf(marker: string): HeldCommit {
      const committed = new Promise<void>((resolve) => {
        armed = { marker, resolve };
      });
      return { committed };
    },
    close: async () => {
      for (const answer of held) answer.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("a server killed between its commit and its answer", () => {
  let server: LocalApiProcess | undefined;
  let proxy: Awaited<ReturnType<typeof startDynamoDbProxy>> | undefined;
  afterEach(async () => {
    await server?.kill();
    await proxy?.close();
  });
  afterAll(() => testClient().destroy());

  it("replays the committed deposit to the retry, and the balance changes exactly once", async () => {
    proxy = await startDynamoDbProxy(testEnvironment().endpoint);
    const environment = {
      PORT: String(await findFreePort()),
      JWT_SECRET: TEST_JWT_SECRET,
      DYNAMODB_ENDPOINT: proxy.url,
    };
    server = await startLocalApiProcess(environment);
    const alice = new ApiCaller(server.url, `crash-commit-${randomUUID()}`);
    const accountId = await alice.openAccount("EUR", 1_000);
    const key = randomUUID();
    const deposit = { path: `/accounts/${accountId}/deposits`, body: { amount: 250 } };
    // The transaction names the record by its key, a digest of the caller and the key.
    const { committed } = proxy.holdCommitOf(callerRecordKey(alice.sub, key));

    let answered = false;
    const firstAttempt = alice.post(deposit.path, deposit.body, { key }).then(
      (answer) => {
        answered = true;
        return answer;
      },
      (error: unknown) => {
        answered = true;
        return error instanceof Error ? error : new Error(String(error));
      },
    );
    await within(committed, 10_000, "the deposit's commit");
    const recordAtCrash = await readRecord(callerRecordKey(alice.sub, key));
    const answeredBeforeCrash = answered;
    await server.kill();
    const firstOutcome = await firstAttempt;
    server = await startLocalApiProcess(environment);
    const retry = await alice.post(deposit.path, deposit.body, { key });

    // The crash fell after the commit and before any answer.
    expect(recordAtCrash?.status).toBe("COMPLETED");
    expect(answeredBeforeCrash).toBe(false);
    expect(firstOutcome).toBeInstanceOf(Error);
    // The retry gets the committed answer, replayed.
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    if (recordAtCrash?.status === "COMPLETED") {
      expect(retry.text).toBe(JSON.parse(recordAtCrash.answer).body);
    }
    expect(retry.body.balance).toBe(1_250);
    // The money moved exactly once.
    expect(await alice.balanceOf(accountId)).toBe(1_250);
    const entries = await alice.entriesOf(accountId);
    expect(entries.map((entry) => entry.amount)).toEqual([1_000, 250]);
  });
});
