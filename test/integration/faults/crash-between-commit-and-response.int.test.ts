import { randomUUID } from "node:crypto";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { readRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import { ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";
import { within } from "../../support/within";

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

describe("a server killed between its commit and its answer", () => {
  let server: LocalApiProcess | undefined;
  let proxy: DynamoDbProxy | undefined;
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
    const { committed } = proxy.holdAnswerOf(callerRecordKey(alice.sub, key));

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
