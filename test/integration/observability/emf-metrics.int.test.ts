import { randomUUID } from "node:crypto";
import * as z from "zod";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { fingerprint } from "../../../functions/idempotency/http/request-fingerprint";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { seedRecord, testClient, testEnvironment } from "../../support/dynamodb";
import { ApiCaller, TEST_JWT_SECRET } from "../../support/http-api";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";

/**
 * What an operator sees: `npm start` writes the same structured lines a
 * deployed function writes (Powertools Logger JSON and EMF metrics on
 * stdout), one EMF document per invocation, with the idempotency outcome,
 * the answer's class and the duration, per route.
 */

jest.setTimeout(120_000);

const emfDocument = z.object({
  _aws: z.object({
    CloudWatchMetrics: z.array(
      z.object({
        Namespace: z.string(),
        Dimensions: z.array(z.array(z.string())),
        Metrics: z.array(z.object({ Name: z.string(), Unit: z.string() })),
      }),
    ),
  }),
  service: z.string(),
});
type EmfDocument = z.infer<typeof emfDocument> & Record<string, unknown>;

const logLine = z.object({
  level: z.string(),
  message: z.string(),
  service: z.string(),
  correlation_id: z.string().optional(),
  function_request_id: z.string().optional(),
  cold_start: z.boolean().optional(),
});

function parsedLines<T>(server: LocalApiProcess, schema: z.ZodType<T>): T[] {
  return server.stdoutLines().flatMap((line) => {
    try {
      const parsed = schema.safeParse(JSON.parse(line));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}

/** The EMF documents of the deposit route that carry `metric`. */
const depositDocuments = (server: LocalApiProcess, metric: string): EmfDocument[] =>
  (parsedLines(server, emfDocument.passthrough()) as EmfDocument[]).filter(
    (document) => document.service === "createDeposit" && metric in document,
  );

async function waitFor<T>(read: () => T[], count: number): Promise<T[]> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const found = read();
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

describe("metrics and logs through npm start", () => {
  let server: LocalApiProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    testClient().destroy();
  });

  it("publishes one EMF document per deposit with its idempotency outcome, answer class and duration", async () => {
    server = await startLocalApiProcess({
      PORT: String(await findFreePort()),
      JWT_SECRET: TEST_JWT_SECRET,
      DYNAMODB_ENDPOINT: testEnvironment().endpoint,
      POWERTOOLS_METRICS_DISABLED: "false",
      POWERTOOLS_LOG_LEVEL: "INFO",
    });
    const alice = new ApiCaller(server.url, `metrics-${randomUUID()}`);
    const accountId = await alice.openAccount("EUR");
    const path = `/accounts/${accountId}/deposits`;
    const key = randomUUID();
    const inFlightKey = randomUUID();
    const nowMs = Date.now();
    // A lease-strategy claim of the same request, live: the commit meets it (409).
    await seedRecord({
      pk: callerRecordKey(alice.sub, inFlightKey),
      status: "IN_PROGRESS",
      fingerprint: fingerprint({
        method: "POST",
        route: "POST /accounts/{accountId}/deposits",
        pathParameters: { accountId },
        body: { amount: 7 },
      }),
      leaseToken: "another-attempt",
      leaseExpiresAtMs: nowMs + 60_000,
      expiresAt: Math.floor(nowMs / 1000) + 3600,
      createdAtMs: nowMs,
    });

    const executed = await alice.post(path, { amount: 100 }, { key });
    const replayed = await alice.post(path, { amount: 100 }, { key });
    const reused = await alice.post(path, { amount: 999 }, { key });
    const inProgress = await alice.post(path, { amount: 7 }, { key: inFlightKey });
    const live = server;

    expect([executed.status, replayed.status, reused.status, inProgress.status]).toEqual([
      201, 201, 422, 409,
    ]);
    const byOutcome = {
      IdempotencyExecuted: await waitFor(() => depositDocuments(live, "IdempotencyExecuted"), 1),
      IdempotencyReplayed: await waitFor(() => depositDocuments(live, "IdempotencyReplayed"), 1),
      IdempotencyKeyReused: await waitFor(() => depositDocuments(live, "IdempotencyKeyReused"), 1),
      IdempotencyInProgress: await waitFor(
        () => depositDocuments(live, "IdempotencyInProgress"),
        1,
      ),
    };
    const answerClass = {
      IdempotencyExecuted: "Answer2xx",
      IdempotencyReplayed: "Answer2xx",
      IdempotencyKeyReused: "Answer4xx",
      IdempotencyInProgress: "Answer4xx",
    } as const;
    for (const [outcome, documents] of Object.entries(byOutcome)) {
      // One request each, one document each: the outcome, its answer class, its duration.
      expect(documents).toHaveLength(1);
      const [document] = documents;
      expect(document?.[outcome]).toBe(1);
      expect(document?.[answerClass[outcome as keyof typeof answerClass]]).toBe(1);
      expect(typeof document?.Duration).toBe("number");
      const directive = document?._aws.CloudWatchMetrics[0];
      expect(directive?.Namespace).toBe("PaymentsApi");
      expect(directive?.Dimensions).toEqual([["service"]]);
      expect(directive?.Metrics).toEqual(
        expect.arrayContaining([
          { Name: outcome, Unit: "Count" },
          { Name: "Duration", Unit: "Milliseconds" },
        ]),
      );
    }
    // The account's own two requests were executed, not counted as deposits.
    expect(depositDocuments(live, "IdempotencyExecuted")).toHaveLength(1);
  });

  it("logs JSON lines with the correlation id (the gateway's request id, x-amzn-RequestId) and the Lambda context", async () => {
    const live = server;
    if (!live) throw new Error("the server of the previous test is gone");
    const alice = new ApiCaller(live.url, `logs-${randomUUID()}`);
    const accountId = await alice.openAccount("EUR");
    const key = randomUUID();
    await alice.post(`/accounts/${accountId}/deposits`, { amount: 1 }, { key });

    // A replay is logged by the idempotency layer, through the route's logger.
    const replay = await alice.post(`/accounts/${accountId}/deposits`, { amount: 1 }, { key });
    const requestId = replay.headers.get("x-amzn-requestid") ?? "";
    const replayLogs = await waitFor(
      () =>
        parsedLines(live, logLine).filter(
          (line) => line.service === "createDeposit" && line.correlation_id === requestId,
        ),
      1,
    );

    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(requestId).not.toBe("");
    expect(replayLogs.length).toBeGreaterThan(0);
    for (const line of replayLogs) {
      expect(line.function_request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof line.cold_start).toBe("boolean");
    }
  });
});
