/**
 * The synthetic check of the API's promise, end to end: open an account,
 * deposit, send the very same deposit again under the same key, and see the
 * stored answer replayed (`Idempotent-Replayed: true`, the same bytes) and
 * the money counted once. The same function runs in the CloudWatch
 * Synthetics canary on AWS and in a jest test against `npm start`'s API.
 * It needs nothing but `fetch`.
 */

export interface CheckTarget {
  /** The API's base URL (`https://…/v1/` on AWS, `http://127.0.0.1:3000` locally). */
  readonly baseUrl: string;
  /** A bearer token of the check's own caller. */
  readonly token: string;
}

/** Runs one named step (Synthetics' executeStep reports it; a plain call is enough). */
export type StepRunner = <T>(name: string, run: () => Promise<T>) => Promise<T>;

export interface CheckOptions {
  /** Makes the check's keys unique per run. @default a random id */
  readonly runId?: string;
  readonly fetch?: typeof fetch;
  readonly step?: StepRunner;
}

export interface CheckResult {
  readonly accountId: string;
  readonly depositId: string;
  readonly balance: number;
}

/** Minor units deposited: 1.00. */
export const CHECK_DEPOSIT_AMOUNT = 100;

/** A step that did not get the answer it expected; never carries the token. */
export class CheckFailedError extends Error {
  constructor(step: string, expectation: string, status: number, body: string) {
    super(`${step}: expected ${expectation}, got ${status} ${body.slice(0, 300)}`);
    this.name = "CheckFailedError";
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

const runStep: StepRunner = (_name, run) => run();

export async function depositReplayCheck(
  target: CheckTarget,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const runId = options.runId ?? crypto.randomUUID();
  const send = options.fetch ?? fetch;
  const step = options.step ?? runStep;
  const base = target.baseUrl.endsWith("/") ? target.baseUrl : `${target.baseUrl}/`;

  const call = async (method: string, path: string, key?: string, body?: unknown) => {
    const response = await send(new URL(path, base), {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(key === undefined ? {} : { "idempotency-key": key }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const expectStatus = (name: string, answer: Answer, status: number) => {
    if (answer.status !== status) {
      throw new CheckFailedError(name, String(status), answer.status, answer.text);
    }
    return JSON.parse(answer.text) as Record<string, unknown>;
  };

  const accountId = await step("open an account", async () => {
    const answer = await call("POST", "accounts", `canary-${runId}-account`, {
      currency: "EUR",
      name: "synthetic check",
    });
    return String(expectStatus("open an account", answer, 201).id);
  });

  const depositPath = `accounts/${encodeURIComponent(accountId)}/deposits`;
  const depositKey = `canary-${runId}-deposit`;
  const deposit = { amount: CHECK_DEPOSIT_AMOUNT };
  const first = await step("deposit", async () => {
    const answer = await call("POST", depositPath, depositKey, deposit);
    expectStatus("deposit", answer, 201);
    return answer;
  });

  await step("send the deposit again: replayed", async () => {
    const name = "send the deposit again";
    const again = await call("POST", depositPath, depositKey, deposit);
    expectStatus(name, again, 201);
    if (again.headers.get("idempotent-replayed") !== "true") {
      throw new CheckFailedError(name, "Idempotent-Replayed: true", again.status, again.text);
    }
    if (again.text !== first.text) {
      throw new CheckFailedError(name, "the first answer's bytes", again.status, again.text);
    }
  });

  const balance = await step("read the balance: one deposit", async () => {
    const name = "read the balance";
    const answer = await call("GET", `accounts/${encodeURIComponent(accountId)}`);
    const account = expectStatus(name, answer, 200);
    if (account.balance !== CHECK_DEPOSIT_AMOUNT) {
      throw new CheckFailedError(
        name,
        `balance ${CHECK_DEPOSIT_AMOUNT}`,
        answer.status,
        answer.text,
      );
    }
    return account.balance;
  });

  return { accountId, depositId: String(JSON.parse(first.text).id), balance };
}
