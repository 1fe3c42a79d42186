import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type LocalApi, startLocalApi } from "../../../lib/local/local-api";
import { ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { silentLogger } from "../../support/lambda-fixtures";
import { sinkEvents } from "../../support/outbox-sink";

/**
 * `OUTBOX_PUBLISHER` of `npm start` (lib/local/local-api.ts): on by default,
 * the process publishes a deposit's event to its sink file; off, a process
 * on the same tables publishes nothing (a second process there would
 * publish every event again), says so, and writes no sink file.
 */

jest.setTimeout(30_000);

/** The local publisher polls the stream every 250 ms: four polls, and more. */
const PUBLISHER_POLLS_MS = 1_200;
const suffix = randomUUID().slice(0, 8);

function start(environment: Record<string, string>): Promise<LocalApi> {
  return startLocalApi(
    {
      ...process.env,
      PORT: "0",
      JWT_SECRET: TEST_JWT_SECRET,
      RECONCILER_INTERVAL_SECONDS: "3600",
      // Tables of this file's own: a publisher reading the shared ones would
      // publish every other file's events too.
      IDEMPOTENCY_TABLE_NAME: `publisher-setting-idempotency-${suffix}`,
      DATA_TABLE_NAME: `publisher-setting-data-${suffix}`,
      ...environment,
    },
    { logger: silentLogger },
  );
}

async function deposit(api: LocalApi): Promise<string> {
  const caller = new ApiCaller(api.url, `publisher-${randomUUID()}`, {
    issuer: api.jwtIssuer,
    audience: api.jwtAudience,
  });
  const accountId = await caller.openAccount("EUR");
  const answer = await caller.post(`/accounts/${accountId}/deposits`, { amount: 5 });
  expect(answer.status).toBe(201);
  return accountId;
}

describe("OUTBOX_PUBLISHER", () => {
  it("on (the default): the deposit's event reaches the sink file", async () => {
    const sinkFile = join(mkdtempSync(join(tmpdir(), "publisher-on-")), "outbox-events.jsonl");
    const api = await start({ OUTBOX_SINK_FILE: sinkFile });
    try {
      expect(api.outboxSinkFile).toBe(sinkFile);
      const accountId = await deposit(api);
      const deadline = Date.now() + 10_000;
      const deposited = () =>
        sinkEvents(sinkFile).filter(
          (event) => event.subject === accountId && event.type === "account.deposited",
        );
      while (deposited().length === 0 && Date.now() < deadline) await sleep(100);
      expect(deposited()).toHaveLength(1);
    } finally {
      await api.close();
    }
  });

  it("off: the same tables, a deposit committed, and nothing published, no sink file written", async () => {
    const sinkFile = join(mkdtempSync(join(tmpdir(), "publisher-off-")), "outbox-events.jsonl");
    const api = await start({ OUTBOX_SINK_FILE: sinkFile, OUTBOX_PUBLISHER: "off" });
    try {
      expect(api.outboxSinkFile).toBeUndefined();
      await deposit(api);
      await sleep(PUBLISHER_POLLS_MS);
      expect(existsSync(sinkFile)).toBe(false);
    } finally {
      await api.close();
    }
  });
});
