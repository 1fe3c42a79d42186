import { randomUUID } from "node:crypto";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { readRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../support/dynamodb-proxy";
import { ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";
import { within } from "../../support/within";

/**
 * The commit strategy claims nothing before the handler, so an attempt that
 * dies or times out before its commit holds nothing: its retry runs at once.
 * And an attempt that commits late (a zombie: its invocation timed out, it
 * did not stop) either commits alone or loses to the record of the attempt
 * that committed first. The moments are made real by a DynamoDB proxy that
 * holds the deposit's transaction request, unsent, until the test says so.
 */

jest.setTimeout(120_000);

let proxy: DynamoDbProxy | undefined;
let server: LocalApiProcess | undefined;
afterEach(async () => {
  await server?.kill();
  await proxy?.close();
  server = undefined;
  proxy = undefined;
});
afterAll(() => testClient().destroy());

/** `npm start` (a process of its own) on DynamoDB Local through a holding proxy. */
async function serverBehindProxy(functionTimeoutSeconds: string) {
  proxy = await startDynamoDbProxy(testEnvironment().endpoint);
  const environment = {
    PORT: String(await findFreePort()),
    JWT_SECRET: TEST_JWT_SECRET,
    DYNAMODB_ENDPOINT: proxy.url,
    FUNCTION_TIMEOUT_SECONDS: functionTimeoutSeconds,
  };
  server = await startLocalApiProcess(environment);
  const alice = new ApiCaller(server.url, `commit-crash-${randomUUID()}`);
  const accountId = await alice.openAccount("EUR", 1_000);
  const key = randomUUID();
  return {
    proxy,
    environment,
    alice,
    accountId,
    key,
    pk: callerRecordKey(alice.sub, key),
    deposit: () =>
      alice
        .post(`/accounts/${accountId}/deposits`, { amount: 250 }, { key })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
  };
}

describe("commit strategy: an attempt that never commits holds nothing", () => {
  it("lets the retry after a SIGKILL before the commit run at once, and moves the money once", async () => {
    const world = await serverBehindProxy("10");
    const held = world.proxy.holdRequestOf(world.pk);

    const firstAttempt = world.deposit();
    await within(held.arrived, 10_000, "the deposit's commit");
    const recordAtCrash = await readRecord(world.pk);
    await server?.kill();
    const firstOutcome = await firstAttempt;
    server = await startLocalApiProcess(world.environment);
    const retry = await new ApiCaller(server.url, world.alice.sub).post(
      `/accounts/${world.accountId}/deposits`,
      { amount: 250 },
      { key: world.key },
    );

    // Nothing was claimed before the commit that never left the process.
    expect(recordAtCrash).toBeUndefined();
    expect(firstOutcome).toBeInstanceOf(Error);
    // The very first retry runs and commits: no 409, no lease to wait out.
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    const alice = new ApiCaller(server.url, world.alice.sub);
    expect(await alice.balanceOf(world.accountId)).toBe(1_250);
    expect((await alice.entriesOf(world.accountId)).map((entry) => entry.amount)).toEqual([
      1_000, 250,
    ]);
  });
});

describe("commit strategy: a zombie commits alone or replays", () => {
  it("loses to the retry that committed first: the zombie's late transaction writes nothing", async () => {
    const world = await serverBehindProxy("1");
    const held = world.proxy.holdRequestOf(world.pk);

    const first = await world.deposit();
    await within(held.arrived, 10_000, "the zombie's commit");
    const retry = await world.deposit();
    const zombieStatus = await held.release();
    const record = await readRecord(world.pk);

    // The first invocation timed out (Middy's early timeout answers 500 just
    // before the gateway's 504); its handler lived on, waiting on its commit.
    expect(first instanceof Error ? 0 : first.status).toBeGreaterThanOrEqual(500);
    expect(retry instanceof Error ? 0 : retry.status).toBe(201);
    // DynamoDB refused the zombie's transaction: the record was there.
    expect(zombieStatus).toBe(400);
    expect(record?.status === "COMPLETED" && JSON.parse(record.answer).body).toBe(
      retry instanceof Error ? "" : retry.text,
    );
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_250);
    expect((await world.alice.entriesOf(world.accountId)).map((entry) => entry.amount)).toEqual([
      1_000, 250,
    ]);
  });

  it("commits alone when it is first: the retry replays the zombie's answer", async () => {
    const world = await serverBehindProxy("1");
    const held = world.proxy.holdRequestOf(world.pk);

    const first = await world.deposit();
    await within(held.arrived, 10_000, "the zombie's commit");
    const zombieStatus = await held.release();
    const recordAfterZombie = await readRecord(world.pk);
    const retry = await world.deposit();

    expect(first instanceof Error ? 0 : first.status).toBeGreaterThanOrEqual(500);
    expect(zombieStatus).toBe(200);
    expect(retry instanceof Error ? 0 : retry.status).toBe(201);
    expect(retry instanceof Error ? null : retry.headers.get("idempotent-replayed")).toBe("true");
    expect(
      recordAfterZombie?.status === "COMPLETED" && JSON.parse(recordAfterZombie.answer).body,
    ).toBe(retry instanceof Error ? "" : retry.text);
    expect(await world.alice.balanceOf(world.accountId)).toBe(1_250);
  });
});
