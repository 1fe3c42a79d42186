import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseLocalEnvironment } from "../../lib/local/local-environment";
import { type DynamoDbProxy, startDynamoDbProxy } from "../../test/support/dynamodb-proxy";
import { type ApiAnswer, ApiCaller, TEST_JWT_SECRET } from "../../test/support/http-api";
import { startLocalApiProcess } from "../../test/support/local-api-process";
import type { BenchDatabase } from "./bench-database";
import { benchTableKeys, benchTables } from "./bench-database";
import { describeAnswer } from "./deposit-requests";

/** The function timeout `npm start` and the stack give every API function when none is set. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = parseLocalEnvironment({}).FUNCTION_TIMEOUT_SECONDS;

/**
 * The test tier's DynamoDB proxy in front of the bench's DynamoDB Local, told
 * the bench tables' keys so that it can tell their items apart.
 */
export function startBenchDynamoDbProxy(database: BenchDatabase): Promise<DynamoDbProxy> {
  return startDynamoDbProxy(database.endpoint, { keySchemas: benchTableKeys });
}

export interface ApiOverHttp {
  readonly url: string;
  readonly functionTimeoutSeconds: number;
  /** A caller with a token of its own (a fresh `sub`). */
  caller(): ApiCaller;
  close(): Promise<void>;
}

/**
 * The whole API as `npm start` serves it (bin/local.ts: the local gateway,
 * one handler per route, the outbox publisher), in a process of its own, on
 * the bench tables, its DynamoDB traffic through `dynamoDbUrl`.
 */
export async function startApiOverHttp(
  dynamoDbUrl: string,
  functionTimeoutSeconds: number,
  environment: Readonly<Record<string, string>> = {},
): Promise<ApiOverHttp> {
  const server = await startLocalApiProcess({
    PORT: "0",
    JWT_SECRET: TEST_JWT_SECRET,
    DYNAMODB_ENDPOINT: dynamoDbUrl,
    IDEMPOTENCY_TABLE_NAME: benchTables.idempotency,
    DATA_TABLE_NAME: benchTables.data,
    FUNCTION_TIMEOUT_SECONDS: String(functionTimeoutSeconds),
    // One caller sends every request of a bench: WAF's per-caller limit would answer 429s.
    CALLER_RATE_LIMIT: "0",
    // No card payments here: the reconciler's scans would only add noise.
    RECONCILER_INTERVAL_SECONDS: "3600",
    // A JSON log line and an EMF document per request would cost both processes
    // CPU (the parent keeps the child's output) on a 2-core machine: errors only.
    POWERTOOLS_LOG_LEVEL: "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...environment,
  });
  return {
    url: server.url,
    functionTimeoutSeconds,
    caller: () => new ApiCaller(server.url, `bench-${randomUUID()}`),
    close: () => server.kill(),
  };
}

/** One answer as a bench tallies it; `status` 0 when no HTTP answer came. */
export interface TimedAnswer {
  readonly status: number;
  /** `201`, `201 replay`, `503 service-unavailable`, or `no answer (…)`. */
  readonly described: string;
  readonly answer: ApiAnswer | undefined;
  readonly ms: number;
}

/** Sends one request, timed, and never throws: a failed request is an answer too. */
export async function timedAnswer(send: () => Promise<ApiAnswer>): Promise<TimedAnswer> {
  const startedAt = performance.now();
  try {
    const answer = await send();
    const described = describeAnswer({
      statusCode: answer.status,
      headers: Object.fromEntries(answer.headers),
      body: answer.text,
      isBase64Encoded: false,
    });
    return { status: answer.status, described, answer, ms: performance.now() - startedAt };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      status: 0,
      described: `no answer (${reason})`,
      answer: undefined,
      ms: performance.now() - startedAt,
    };
  }
}

/** `503 service-unavailable×12, 504 gateway-timeout×1`, or `none`. */
export function describeTally(tally: ReadonlyMap<string, number>): string {
  const entries = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0
    ? "none"
    : entries.map(([described, count]) => `${described}×${count}`).join(", ");
}

export function count(tally: Map<string, number>, described: string): void {
  tally.set(described, (tally.get(described) ?? 0) + 1);
}
