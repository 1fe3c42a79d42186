import middy from "@middy/core";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { InMemoryIdempotencyStore, idempotency } from "../../functions/idempotency";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import { readIdempotencyKey } from "../../functions/idempotency/http/key";
import { fingerprint } from "../../functions/idempotency/http/request-fingerprint";
import { newId } from "../../functions/shared/ids";
import { apiGatewayEvent, lambdaContext, silentLogger } from "../../test/support/lambda-fixtures";
import { InMemoryPersistenceLayer } from "../powertools/in-memory-persistence-layer";
import { powertoolsIdempotency } from "../powertools/powertools-idempotency";
import { markdownTable, ratio } from "../support/markdown";
import { progress } from "../support/progress";
import { median } from "../support/statistics";
import type { BenchSection } from "./section";

const sizes = [1024, 32 * 1024] as const;
/** Each figure is the median of this many timed batches. */
const BATCHES = 7;

/**
 * Section 5: CPU per request of the idempotency work that is not I/O: key
 * parsing and the canonical fingerprint, then each whole middleware over an
 * in-memory store, next to JSON.parse of the same body (what any handler
 * pays for its body anyway).
 */
export const middlewareCpu: BenchSection = {
  title: "CPU cost of the middleware alone",
  async run() {
    const partsRows: string[][] = [];
    const wholeRows: string[][] = [];
    for (const size of sizes) {
      progress(`middleware CPU: ${size / 1024} KB body`);
      const body = jsonBodyOf(size);
      const event = eventWith(body, newId());
      const iterations = size > 4096 ? 400 : 4000;
      const parse = await cpuMicros(iterations, () => JSON.parse(body));
      const key = await cpuMicros(iterations, () => readIdempotencyKey(event.headers));
      const identity = { method: "POST", route: "/orders", pathParameters: {}, body };
      const print = await cpuMicros(iterations, () => fingerprint(identity));
      partsRows.push([
        `${size / 1024} KB`,
        micros(parse),
        micros(key),
        micros(print),
        ratio(key + print, parse),
      ]);

      const bare = await cpuMicros(iterations, handlerRun(middy(answer), body));
      const ours = await cpuMicros(
        iterations,
        handlerRun(
          middy(answer).use(
            idempotency({
              store: new InMemoryIdempotencyStore(),
              strategy: "lease",
              retentionSeconds: DEFAULT_RETENTION_SECONDS,
              logger: silentLogger,
            }),
          ),
          body,
        ),
      );
      const powertools = await cpuMicros(
        iterations,
        handlerRun(middy(answer).use(powertoolsIdempotency(new InMemoryPersistenceLayer())), body),
      );
      wholeRows.push([
        `${size / 1024} KB`,
        micros(bare),
        micros(ours),
        micros(powertools),
        micros(ours - bare),
        micros(powertools - bare),
      ]);
    }
    return [
      markdownTable(
        [
          "body",
          "JSON.parse (baseline)",
          "key parsing",
          "canonical fingerprint (SHA-256)",
          "key + fingerprint vs JSON.parse",
        ],
        partsRows,
      ),
      "",
      "Whole middlewares, first execution of a fresh key (claim, handler, completion) over an",
      "in-memory store, CPU µs per request (process.cpuUsage, median of",
      `${BATCHES} batches):`,
      "",
      markdownTable(
        [
          "body",
          "Middy, no idempotency",
          "this project",
          "Powertools",
          "this project's own cost",
          "Powertools' own cost",
        ],
        wholeRows,
      ),
    ].join("\n");
  },
};

/** A JSON order of about `bytes` bytes: nested objects, strings and numbers. */
function jsonBodyOf(bytes: number): string {
  const lines: { sku: string; name: string; quantity: number; unitPrice: number }[] = [];
  const order = {
    currency: "EUR",
    reference: "bench-order",
    customer: { id: "c-1", tier: "gold" },
    lines,
  };
  while (JSON.stringify(order).length < bytes) {
    const index = lines.length;
    lines.push({
      sku: `SKU-${index}`,
      name: `Item number ${index}`,
      quantity: (index % 5) + 1,
      unitPrice: 1999,
    });
  }
  return JSON.stringify(order);
}

function eventWith(body: string, key: string): APIGatewayProxyEventV2WithJWTAuthorizer {
  return apiGatewayEvent({ method: "POST", route: "/orders", body, idempotencyKey: key });
}

async function answer() {
  return { statusCode: 201, headers: { "content-type": "application/json" }, body: '{"id":"1"}' };
}

/** One request with a fresh key per call: always a first execution. */
function handlerRun(
  handler: (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context: ReturnType<typeof lambdaContext>,
  ) => Promise<unknown>,
  body: string,
): () => Promise<unknown> {
  const context = lambdaContext(60_000);
  return () => handler(eventWith(body, newId()), context);
}

/** Median CPU (user + system) microseconds per call, after a warm-up batch. */
async function cpuMicros(iterations: number, run: () => unknown): Promise<number> {
  const batch = async () => {
    const before = process.cpuUsage();
    for (let index = 0; index < iterations; index += 1) await run();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / iterations;
  };
  await batch();
  const batches: number[] = [];
  for (let index = 0; index < BATCHES; index += 1) batches.push(await batch());
  return median(batches);
}

const micros = (value: number) => `${value.toFixed(1)} µs`;
