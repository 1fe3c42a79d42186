/**
 * What the synthetic checks share: calls to the API with the check's token,
 * and step failures that say what was expected (never the token).
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

/** A step that did not get the answer it expected; never carries the token. */
export class CheckFailedError extends Error {
  constructor(step: string, expectation: string, status: number, body: string) {
    super(`${step}: expected ${expectation}, got ${status} ${body.slice(0, 300)}`);
    this.name = "CheckFailedError";
  }
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

const runStep: StepRunner = (_name, run) => run();

/** The check's way of calling the API, from its target and options. */
export function checkClient(target: CheckTarget, options: CheckOptions) {
  const send = options.fetch ?? fetch;
  const base = target.baseUrl.endsWith("/") ? target.baseUrl : `${target.baseUrl}/`;
  const call = async (
    method: string,
    path: string,
    key?: string,
    body?: unknown,
  ): Promise<Answer> => {
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
  /** The same request again, under the same key: the first answer, replayed, byte for byte. */
  const expectReplay = (name: string, again: Answer, first: Answer) => {
    expectStatus(name, again, first.status);
    if (again.headers.get("idempotent-replayed") !== "true") {
      throw new CheckFailedError(name, "Idempotent-Replayed: true", again.status, again.text);
    }
    if (again.text !== first.text) {
      throw new CheckFailedError(name, "the first answer's bytes", again.status, again.text);
    }
  };
  return {
    call,
    expectStatus,
    expectReplay,
    step: options.step ?? runStep,
    runId: options.runId ?? crypto.randomUUID(),
  };
}
