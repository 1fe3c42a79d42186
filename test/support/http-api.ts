import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalTokenOptions, signLocalToken } from "../../lib/local/jwt";
import { startLocalApi } from "../../lib/local/local-api";
import type { ProcessorEmulator } from "../../lib/local/processor-emulator/processor-emulator";
import { silentLogger } from "./lambda-fixtures";

export const TEST_JWT_SECRET = "integration-tests-secret-of-at-least-32-chars";

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty). */
  readonly body: Record<string, unknown> & { type?: string };
}

export interface RequestOptions {
  /** The Idempotency-Key; a fresh one when omitted; `null` sends none. */
  readonly key?: string | null;
  readonly headers?: Record<string, string>;
  /** A raw body, sent as is instead of JSON. */
  readonly rawBody?: string;
}

/** An account's ledger entry, as `GET /accounts/{accountId}/entries` lists it (the fields tests read). */
export interface LedgerEntry {
  readonly type: string;
  /** Signed: debits are negative. */
  readonly amount: number;
  readonly balanceAfter: number;
  /** The deposit, transfer, payment or refund. */
  readonly referenceId: string;
}

/** A caller of the API: a token for `sub` and helpers for JSON requests. */
export class ApiCaller {
  private tokenPromise: Promise<string> | undefined;

  /** `tokenOptions`: the issuer and audience the API expects, when not the local defaults. */
  constructor(
    readonly baseUrl: string,
    readonly sub: string,
    private readonly tokenOptions: LocalTokenOptions = {},
  ) {}

  token(): Promise<string> {
    this.tokenPromise ??= signLocalToken(this.sub, TEST_JWT_SECRET, this.tokenOptions);
    return this.tokenPromise;
  }

  get(path: string, options: RequestOptions = {}): Promise<ApiAnswer> {
    return this.send("GET", path, undefined, { key: null, ...options });
  }

  post(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiAnswer> {
    return this.send("POST", path, body, options);
  }

  patch(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiAnswer> {
    return this.send("PATCH", path, body, options);
  }

  async send(
    method: string,
    path: string,
    body: unknown,
    options: RequestOptions,
  ): Promise<ApiAnswer> {
    const key = options.key === undefined ? randomUUID() : options.key;
    const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.token()}`,
        ...(payload !== undefined ? { "content-type": "application/json" } : {}),
        ...(key !== null ? { "idempotency-key": key } : {}),
        ...options.headers,
      },
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: text ? (JSON.parse(text) as ApiAnswer["body"]) : {},
    };
  }

  // Shortcuts for the setup steps most tests share.

  async openAccount(currency = "EUR", deposit = 0): Promise<string> {
    const account = await this.post("/accounts", { currency });
    if (account.status !== 201) throw new Error(`account not created: ${account.text}`);
    const id = String(account.body.id);
    if (deposit > 0) {
      const answer = await this.post(`/accounts/${id}/deposits`, { amount: deposit });
      if (answer.status !== 201) throw new Error(`deposit failed: ${answer.text}`);
    }
    return id;
  }

  async balanceOf(accountId: string): Promise<number> {
    const account = await this.get(`/accounts/${accountId}`);
    return Number(account.body.balance);
  }

  /** Every ledger entry of an account, oldest first, following the cursor to the end. */
  async entriesOf(accountId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor
        ? `?limit=100&cursor=${encodeURIComponent(cursor)}`
        : "?limit=100";
      const page = await this.get(`/accounts/${accountId}/entries${query}`);
      entries.push(...(page.body.items as typeof entries));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    return entries;
  }
}

export interface TestApi {
  readonly url: string;
  /** The Stripe emulator this API started (unless PAYMENT_PROCESSOR_URL was given). */
  readonly processor: ProcessorEmulator | undefined;
  /** Runs the reconciler now, as the scheduler would (after any run in progress). */
  reconcile(): Promise<unknown>;
  caller(sub?: string): ApiCaller;
  close(): Promise<void>;
}

/**
 * The whole local API (gateway + every handler of the route table) on a free
 * port, against the tier's DynamoDB Local.
 */
export async function startTestApi(environment: Record<string, string> = {}): Promise<TestApi> {
  const api = await startLocalApi(
    {
      ...process.env,
      PORT: "0",
      JWT_SECRET: TEST_JWT_SECRET,
      // Published events go to a file of this API's own, not into the checkout.
      OUTBOX_SINK_FILE: join(mkdtempSync(join(tmpdir(), "test-api-")), "outbox-events.jsonl"),
      // The tier's tables are shared by every test file: a reconciler running
      // on its own would settle other files' payments. Tests run it (reconcile()).
      RECONCILER_INTERVAL_SECONDS: "3600",
      ...environment,
    },
    // The request log would bury jest's report; tests assert on answers.
    { logger: silentLogger },
  );
  return {
    url: api.url,
    processor: api.processorEmulator,
    reconcile: () => api.reconciler.runOnce(),
    // Tokens for the issuer and audience this API was started with.
    caller: (sub = `user-${randomUUID()}`) =>
      new ApiCaller(api.url, sub, { issuer: api.jwtIssuer, audience: api.jwtAudience }),
    close: () => api.close(),
  };
}
