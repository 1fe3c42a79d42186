import {
  createPaymentsClient,
  PaymentsApiNetworkError,
  PaymentsApiProblem,
  type RetryOptions,
} from "../../../sdk";
import { rejectionOf } from "../../support/rejection";
import {
  fakeClock,
  jsonAnswer,
  problemAnswer,
  type Scripted,
  scriptedFetch,
} from "../../support/sdk-fakes";

const ACCOUNT_ID = "01M846H8J91NKVMC5AEHHBHECS";
const deposit = {
  id: "01M846H8QAV9F8EY0TW6NSC3KV",
  accountId: ACCOUNT_ID,
  amount: 500,
  balance: 500,
  createdAt: "2026-01-31T09:30:00.000Z",
};
const created = (headers: Record<string, string> = {}) => jsonAnswer(201, deposit, headers);
const networkError = () => new TypeError("fetch failed");

function clientWith(
  script: readonly Scripted[],
  options: { retry?: Partial<RetryOptions>; random?: () => number; token?: () => string } = {},
) {
  const fake = scriptedFetch(script);
  const time = fakeClock(options.random);
  const client = createPaymentsClient({
    baseUrl: "http://api.test",
    token: options.token ?? "a-token",
    fetch: fake.fetch,
    clock: time.clock,
    ...(options.retry ? { retry: options.retry } : {}),
  });
  return { client, ...fake, ...time };
}

describe("the SDK client's retries", () => {
  it.each<[string, () => Scripted]>([
    ["a network error", networkError],
    ["429", () => problemAnswer(429, "rate-limited")],
    ["502", () => new Response("Bad gateway", { status: 502 })],
    ["503", () => problemAnswer(503, "service-unavailable", { "retry-after": "1" })],
    ["504", () => problemAnswer(504, "gateway-timeout")],
    ["409 idempotency-key-in-progress", () => problemAnswer(409, "idempotency-key-in-progress")],
  ])("retries after %s, with the same Idempotency-Key on every attempt", async (_what, failure) => {
    const { client, requests, keys } = clientWith([failure(), failure(), created()]);

    const answer = await client.createDeposit(ACCOUNT_ID, { amount: 500 });

    expect(answer).toMatchObject({ status: 201, data: deposit, replayed: false });
    expect(requests).toHaveLength(3);
    expect(new Set(keys()).size).toBe(1);
    expect(keys()[0]).toBe(answer.idempotencyKey);
  });

  it.each([
    [400, "validation-error"],
    [401, "unauthorized"],
    [404, "not-found"],
    [409, "insufficient-funds"],
    [412, "precondition-failed"],
    [422, "idempotency-key-reused"],
    [500, "internal-error"],
  ])("never retries %i %s: it throws a typed problem at once", async (status, slug) => {
    const { client, requests, keys } = clientWith([problemAnswer(status, slug), created()]);

    const error = await rejectionOf(client.createDeposit(ACCOUNT_ID, { amount: 500 }));

    expect(error).toBeInstanceOf(PaymentsApiProblem);
    expect(error).toMatchObject({
      status,
      slug,
      type: `https://payments.example.com/problems/${slug}`,
      title: slug,
      detail: `a ${slug} problem`,
      idempotencyKey: keys()[0],
      operationId: "createDeposit",
      attempts: 1,
    });
    expect(requests).toHaveLength(1);
  });

  it("honours Retry-After in seconds: it never comes back sooner", async () => {
    const { client, waits } = clientWith(
      [problemAnswer(503, "idempotency-store-unavailable", { "retry-after": "2" }), created()],
      { random: () => 0.99 },
    );

    await client.createDeposit(ACCOUNT_ID, { amount: 500 });

    expect(waits).toEqual([2_000]);
  });

  it("honours Retry-After as an HTTP-date", async () => {
    const time = fakeClock();
    const at = new Date(time.now() + 3_000).toUTCString();
    const fake = scriptedFetch([
      problemAnswer(429, "rate-limited", { "retry-after": at }),
      created(),
    ]);
    const client = createPaymentsClient({
      baseUrl: "http://api.test",
      fetch: fake.fetch,
      clock: time.clock,
    });

    await client.createDeposit(ACCOUNT_ID, { amount: 500 });

    expect(time.waits).toEqual([3_000]);
  });

  it("gives up within its budget and throws the last problem with the key, to retry later", async () => {
    const { client, requests, waits, keys } = clientWith(
      [problemAnswer(503, "service-unavailable")],
      { retry: { budgetMs: 2_000, baseDelayMs: 100, maxDelayMs: 1_000 }, random: () => 0.99 },
    );

    const error = await rejectionOf(client.createDeposit(ACCOUNT_ID, { amount: 500 }));

    expect(error).toBeInstanceOf(PaymentsApiProblem);
    expect(error).toMatchObject({
      status: 503,
      slug: "service-unavailable",
      attempts: requests.length,
    });
    expect((error as PaymentsApiProblem).idempotencyKey).toBe(keys()[0]);
    expect(new Set(keys()).size).toBe(1);
    expect(waits.reduce((sum, wait) => sum + wait, 0)).toBeLessThan(2_000);
    expect(requests.length).toBeGreaterThan(2);
  });

  it("gives up at once when Retry-After asks for more than one wait may last", async () => {
    const { client, requests } = clientWith([
      problemAnswer(503, "service-unavailable", { "retry-after": "60" }),
      created(),
    ]);

    const error = await rejectionOf(client.createDeposit(ACCOUNT_ID, { amount: 500 }));

    expect(error).toMatchObject({ status: 503, retryAfterMs: 60_000, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it("throws the last network error with the key when the budget runs out", async () => {
    const { client, keys } = clientWith([networkError()], { retry: { budgetMs: 1_000 } });

    const error = await rejectionOf(
      client.createTransfer({
        fromAccountId: ACCOUNT_ID,
        toAccountId: deposit.id,
        amount: 100,
      }),
    );

    expect(error).toBeInstanceOf(PaymentsApiNetworkError);
    expect(error).toMatchObject({ idempotencyKey: keys()[0], operationId: "createTransfer" });
    expect((error as PaymentsApiNetworkError).cause).toBeInstanceOf(TypeError);
  });

  it("finishes an earlier call under its key: the caller's own key is sent", async () => {
    const { client, keys } = clientWith([created({ "idempotent-replayed": "true" })]);

    const answer = await client.createDeposit(
      ACCOUNT_ID,
      { amount: 500 },
      { idempotencyKey: "deposit-1" },
    );

    expect(keys()).toEqual(["deposit-1"]);
    expect(answer).toMatchObject({ replayed: true, idempotencyKey: "deposit-1" });
  });

  it("gives each logical call a fresh key", async () => {
    const { client, keys } = clientWith([created()]);

    await client.createDeposit(ACCOUNT_ID, { amount: 500 });
    await client.createDeposit(ACCOUNT_ID, { amount: 500 });

    expect(keys()[0]).not.toBe(keys()[1]);
    expect(keys()[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("retries reads the same way, without a key", async () => {
    const account = {
      id: ACCOUNT_ID,
      ownerId: "alice",
      name: null,
      currency: "EUR",
      balance: 0,
      version: 1,
      createdAt: deposit.createdAt,
    };
    const { client, requests, keys } = clientWith([
      networkError(),
      problemAnswer(503, "service-unavailable"),
      jsonAnswer(200, account),
    ]);

    const answer = await client.getAccount(ACCOUNT_ID);

    expect(answer).toMatchObject({
      status: 200,
      data: account,
      replayed: false,
      idempotencyKey: undefined,
    });
    expect(requests.map((request) => request.method)).toEqual(["GET", "GET", "GET"]);
    expect(keys()).toEqual([null, null, null]);
  });

  it("asks the token function before every attempt, so a refreshed token is used", async () => {
    let issued = 0;
    const { client, requests } = clientWith([networkError(), created()], {
      token: () => `token-${++issued}`,
    });

    await client.createDeposit(ACCOUNT_ID, { amount: 500 });

    expect(requests.map((request) => request.headers.get("authorization"))).toEqual([
      "Bearer token-1",
      "Bearer token-2",
    ]);
  });

  it("reads a validation-error's fields, and a body that is no problem as about:blank", async () => {
    const invalid = jsonAnswer(400, {
      type: "https://payments.example.com/problems/validation-error",
      title: "Validation error",
      status: 400,
      detail: "The request is not valid.",
      errors: [{ path: "amount", message: "Too small" }],
      traceId: "an extension member",
    });
    const html = new Response("<html>Bad request</html>", {
      status: 400,
      statusText: "Bad Request",
    });
    const { client } = clientWith([invalid, html]);

    const first = await rejectionOf(client.createDeposit(ACCOUNT_ID, { amount: 500 }));
    const second = await rejectionOf(client.createDeposit(ACCOUNT_ID, { amount: 500 }));

    expect(first).toMatchObject({
      slug: "validation-error",
      errors: [{ path: "amount", message: "Too small" }],
    });
    expect(second).toMatchObject({
      status: 400,
      type: "about:blank",
      slug: "about:blank",
      title: "Bad Request",
      errors: [],
    });
  });

  it("sends If-Match from the version read", async () => {
    const { client, requests } = clientWith([jsonAnswer(200, {})]);

    await client.updateOrder(
      ACCOUNT_ID,
      { items: [{ sku: "book", quantity: 1, unitPrice: 100 }] },
      { ifMatch: 3 },
    );

    expect(requests[0]?.headers.get("if-match")).toBe('"3"');
    expect(requests[0]?.method).toBe("PATCH");
  });

  it("stops when the caller aborts, with the caller's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("the user left");
    const { client, requests } = clientWith([networkError()]);
    controller.abort(reason);

    const error = await rejectionOf(
      client.createDeposit(ACCOUNT_ID, { amount: 500 }, { signal: controller.signal }),
    );

    expect(error).toBe(reason);
    expect(requests.length).toBeLessThanOrEqual(1);
  });
});
