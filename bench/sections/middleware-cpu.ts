import { createHash } from "node:crypto";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { newId } from "../../functions/domain/primitives";
import {
  type IdempotencyStrategy,
  InMemoryIdempotencyStore,
  idempotency,
} from "../../functions/idempotency";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import { canonicalJson } from "../../functions/idempotency/core/fingerprint";
import { readIdempotencyKey } from "../../functions/idempotency/http/key";
import { fingerprint } from "../../functions/idempotency/http/request-fingerprint";
import { apiGatewayEvent, lambdaContext, silentLogger } from "../../test/support/lambda-fixtures";
import { InMemoryPersistenceLayer } from "../powertools/in-memory-persistence-layer";
import { powertoolsIdempotency } from "../powertools/powertools-idempotency";
import { cpuMicrosPerRound } from "../support/cpu-time";
import { type GoalCheck, goalTable } from "../support/goals";
import { markdownTable, ratio, roundRatios, spread } from "../support/markdown";
import { progress } from "../support/progress";
import { median } from "../support/statistics";
import type { BenchSection } from "./section";

const sizes = [1024, 32 * 1024] as const;
/** Rounds of timed batches; each figure is the median over them. */
const ROUNDS = 8;
/** The bound on key + fingerprint, in multiples of one JSON.parse of the body. */
const FINGERPRINT_BOUND = 2;
const ROUTE = "POST /orders";

const middlewares = [
  { id: "bare", label: "Middy, no idempotency" },
  { id: "commit", label: "this project, commit" },
  { id: "lease", label: "this project, lease" },
  { id: "powertools", label: "Powertools" },
  { id: "powertools-text", label: "Powertools, body left as text" },
] as const;
type MiddlewareId = (typeof middlewares)[number]["id"];

/**
 * Section 7: CPU per request of the idempotency work that is not I/O. The
 * pipeline parses the body once and puts its JSON value on `event.body`
 * before the middleware runs (functions/shared/http/http-handler.ts), so the
 * fingerprint is taken over that value, next to the JSON.parse of the text
 * that any handler pays anyway; then each whole middleware over an
 * in-memory store.
 */
export const middlewareCpu: BenchSection = {
  title: "CPU cost of the middleware alone",
  async run() {
    const partsRows: string[][] = [];
    const wholeRows: string[][] = [];
    const breakdownRows: string[][] = [];
    const checks: GoalCheck[] = [];
    for (const size of sizes) {
      progress(`middleware CPU: ${size / 1024} KB body`);
      const text = jsonBodyOf(size);
      const parsed: unknown = JSON.parse(text);
      const headers = eventWith(parsed, newId()).headers;
      const identity = { method: "POST", route: ROUTE, pathParameters: {} };
      // What fingerprint() canonicalizes for a parsed body.
      const hashed = { ...identity, body: { json: parsed } };
      const canonicalText = canonicalJson(hashed);
      const iterations = size > 4096 ? 200 : 1000;
      const parts = await cpuMicrosPerRound(
        [
          { id: "parse", iterations, run: () => JSON.parse(text) },
          { id: "key", iterations, run: () => readIdempotencyKey(headers) },
          { id: "parsed", iterations, run: () => fingerprint({ ...identity, body: parsed }) },
          { id: "text", iterations, run: () => fingerprint({ ...identity, body: text }) },
          // Where the fingerprint's time goes: the canonical text, then its digest.
          { id: "canonical", iterations, run: () => canonicalJson(hashed) },
          { id: "sha256", iterations, run: () => sha256(canonicalText) },
          { id: "stringify", iterations, run: () => JSON.stringify(parsed) },
        ],
        ROUNDS,
      );
      const of = (id: string) => parts.get(id) ?? [];
      const perRound = of("parse").map(
        (parse, round) => ((of("key")[round] ?? 0) + (of("parsed")[round] ?? 0)) / parse,
      );
      const overall = (median(of("key")) + median(of("parsed"))) / median(of("parse"));
      partsRows.push([
        `${size / 1024} KB`,
        micros(of("parse")),
        micros(of("key")),
        micros(of("parsed")),
        `${overall.toFixed(2)}×`,
        roundRatios(perRound),
        micros(of("text")),
      ]);
      breakdownRows.push([
        `${size / 1024} KB`,
        micros(of("canonical")),
        micros(of("sha256")),
        micros(of("stringify")),
      ]);
      if (size === 32 * 1024) {
        checks.push({
          goal: `32 KB: key + fingerprint ≤ ${FINGERPRINT_BOUND}× one JSON.parse of the body`,
          measured: `${overall.toFixed(2)}× (each round: ${roundRatios(perRound)})`,
          met: overall <= FINGERPRINT_BOUND,
        });
      }

      const whole = await cpuMicrosPerRound(
        middlewares.map(({ id }) => ({
          id,
          iterations,
          run: handlerRun(handlerWith(id), id === "powertools-text" ? text : parsed),
        })),
        ROUNDS,
      );
      const ownCost = (id: string) => median(whole.get(id) ?? []) - median(whole.get("bare") ?? []);
      for (const { id, label } of middlewares) {
        const times = whole.get(id) ?? [];
        wholeRows.push([
          `${size / 1024} KB`,
          label,
          `${median(times).toFixed(1)} µs`,
          spread(times),
          id === "bare" ? "—" : `${ownCost(id).toFixed(1)} µs`,
          id === "bare" ? "—" : ratio(ownCost(id), ownCost("powertools")),
        ]);
      }
    }
    return [
      markdownTable(
        [
          "body",
          "JSON.parse of the text (baseline)",
          "key parsing",
          "fingerprint of the parsed body (as the pipeline)",
          "key + fingerprint vs JSON.parse",
          "each round",
          "fingerprint of the text (parses it again)",
        ],
        partsRows,
      ),
      "",
      goalTable(checks),
      "",
      "CPU µs per call (process.cpuUsage), median of",
      `${ROUNDS} rounds; each round times every column once, in an order rotated by one each round.`,
      "The fingerprint is SHA-256 over the canonical JSON of method, route, path parameters and",
      "body, called as requestFingerprint calls it once the pipeline has parsed the body",
      "(`fingerprint({ ..., body: parsedValue })`). The last column is the same fingerprint over",
      "the text, which parses it again: what it cost before the pipeline handed over the value.",
      "",
      "Where the fingerprint of the parsed body goes (same rounds):",
      "",
      markdownTable(
        [
          "body",
          "canonical JSON (key walk + JSON.stringify with the sorted key list)",
          "SHA-256 of that text",
          "JSON.stringify of the value, no key list (reference)",
        ],
        breakdownRows,
      ),
      "",
      "Whole middlewares, first execution of a fresh key over an in-memory store, with the body",
      "already parsed on the event as the pipeline hands it over (this project: fingerprint, then",
      "the completed record put after the handler, commit, or the claim and its completion, lease;",
      "Powertools: its in-progress record, then the completed one), CPU µs per request. The bench's",
      "deposit route hands Powertools the parsed body too (its middleware runs after validation);",
      "the last row leaves the text on the event, as a handler without that pipeline would:",
      "",
      markdownTable(
        [
          "body",
          "middleware",
          "CPU per request",
          "min–max over rounds (µs)",
          "own cost (minus Middy alone)",
          "own cost vs Powertools'",
        ],
        wholeRows,
      ),
    ].join("\n");
  },
};

type Handler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: ReturnType<typeof lambdaContext>,
) => Promise<unknown>;

function handlerWith(id: MiddlewareId): Handler {
  if (id === "bare") return middy(answer);
  if (id === "powertools" || id === "powertools-text") {
    return middy(answer).use(powertoolsIdempotency(new InMemoryPersistenceLayer()));
  }
  return middy(answer).use(ourMiddleware(id));
}

function ourMiddleware(strategy: IdempotencyStrategy) {
  return idempotency({
    store: new InMemoryIdempotencyStore(),
    strategy,
    retentionSeconds: DEFAULT_RETENTION_SECONDS,
    logger: silentLogger,
  });
}

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

/** The event as the middleware receives it: the body's JSON value in place of its text. */
function eventWith(parsedBody: unknown, key: string): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = apiGatewayEvent({
    method: "POST",
    route: "/orders",
    body: "",
    idempotencyKey: key,
  });
  return Object.assign(event, { body: parsedBody });
}

async function answer() {
  return { statusCode: 201, headers: { "content-type": "application/json" }, body: '{"id":"1"}' };
}

/** One request with a fresh key per call: always a first execution. */
function handlerRun(handler: Handler, parsedBody: unknown): () => Promise<unknown> {
  const context = lambdaContext(60_000);
  return () => handler(eventWith(parsedBody, newId()), context);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const micros = (values: readonly number[]) => `${median(values).toFixed(1)} µs (${spread(values)})`;
