import { randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { type ApiAnswer, ApiCaller, startTestApi, type TestApi } from "../../support/http-api";
import { until } from "../../support/within";

// The per-caller limit of the local gateway, through the whole local API: on
// AWS the stack's WAF rate-based rule, keyed on the exact Authorization
// header (the client address without one), before API Gateway.

const rateLimitedBody = {
  type: "https://payments.example.com/problems/rate-limited",
  title: "Too many requests",
  status: 429,
  detail: "The API's request rate limit was exceeded. Retry after the delay in Retry-After.",
};

/**
 * Another caller for the same user: a token that differs only by its expiry
 * is another Authorization header, so another key for the limit.
 */
const sameUserOtherToken = (api: TestApi, sub: string, ttlSeconds: number) =>
  new ApiCaller(api.url, sub, { ttlSeconds });

function expectRateLimited(answer: ApiAnswer, windowSeconds: number): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toEqual(rateLimitedBody);
  expect(answer.headers.get("content-type")).toBe("application/problem+json");
  expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
  expect(answer.headers.get("cache-control")).toBe("no-store");
  const retryAfter = Number(answer.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe("3 requests per 60 s", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ CALLER_RATE_LIMIT: "3", CALLER_RATE_LIMIT_WINDOW_SECONDS: "60" });
  });

  afterAll(async () => {
    await api.close();
  });

  it("a caller's 4th request is 429 rate-limited with Retry-After and has no effect; another caller is still served", async () => {
    // Arrange
    const sub = `user-${randomUUID()}`;
    const alice = new ApiCaller(api.url, sub);
    const accountId = await alice.openAccount("EUR", 500);
    expect((await alice.post(`/accounts/${accountId}/deposits`, { amount: 700 })).status).toBe(201);

    // Act
    const fourth = await alice.post(`/accounts/${accountId}/deposits`, { amount: 900 });
    const bob = api.caller();
    const bobsAccount = await bob.post("/accounts", { currency: "EUR" });
    const bobReads = await bob.get(`/accounts/${String(bobsAccount.body.id)}`);

    // Assess
    expectRateLimited(fourth, 60);
    expect(bobsAccount.status).toBe(201);
    expect(bobReads.status).toBe(200);
    const auditor = sameUserOtherToken(api, sub, 3601);
    const account = await auditor.get(`/accounts/${accountId}`);
    expect(account.body.balance).toBe(1200);
    const entries = await auditor.get(`/accounts/${accountId}/entries`);
    expect((entries.body.items as unknown[]).length).toBe(2);
  });

  it("counts before authorization: a 4th request with a refused token is 429, not 401", async () => {
    // Arrange
    const stranger = { authorization: `Bearer not-a-token-${randomUUID()}` };
    const refused = await Promise.all(
      [1, 2, 3].map(() => fetch(`${api.url}/accounts/any`, { headers: stranger })),
    );

    // Act
    const fourth = await fetch(`${api.url}/accounts/any`, { headers: stranger });

    // Assess
    expect(refused.map((answer) => answer.status)).toEqual([401, 401, 401]);
    expect(fourth.status).toBe(429);
    expect(await fourth.json()).toEqual(rateLimitedBody);
    expect(fourth.headers.get("www-authenticate")).toBeNull();
  });

  it("a refused request whose body was not read yet ends its connection", async () => {
    // Arrange
    const stranger = { authorization: `Bearer not-a-token-${randomUUID()}` };
    for (const _ of [1, 2, 3]) await fetch(`${api.url}/accounts/any`, { headers: stranger });

    // Act: the headers only; the body is held back.
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = httpRequest(`${api.url}/accounts`, {
        method: "POST",
        headers: { ...stranger, "content-type": "application/json", "content-length": "100" },
        agent: false,
      });
      outgoing.on("response", (incoming) => {
        resolve(incoming);
        outgoing.destroy();
      });
      outgoing.on("error", reject);
      outgoing.flushHeaders();
    });

    // Assess
    expect(answer.statusCode).toBe(429);
    expect(answer.headers.connection).toBe("close");
    expect(answer.headers["retry-after"]).toMatch(/^\d+$/);
  });

  it("counts requests without Authorization per client address, preflights and unknown routes included", async () => {
    // Arrange: the only requests of this file without a token.
    const requests: Array<[string, string]> = [
      ["GET", "/health"],
      ["OPTIONS", "/accounts"], // a CORS preflight counts, as WAF counts it
      ["GET", "/no-such-route"],
      ["GET", "/health"],
    ];
    const answers: Response[] = [];

    // Act
    for (const [method, path] of requests) {
      answers.push(await fetch(`${api.url}${path}`, { method }));
    }

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 204, 404, 429]);
    expect(await answers[3]?.json()).toEqual(rateLimitedBody);
  });
});

describe("1 request per 2 s", () => {
  const windowSeconds = 2;
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({
      CALLER_RATE_LIMIT: "1",
      CALLER_RATE_LIMIT_WINDOW_SECONDS: String(windowSeconds),
    });
  });

  afterAll(async () => {
    await api.close();
  });

  it("a refused request is not stored by the idempotency layer: its key succeeds once the window has room", async () => {
    // Arrange
    const sub = `user-${randomUUID()}`;
    const accountId = await sameUserOtherToken(api, sub, 3600).openAccount("EUR");
    const alice = sameUserOtherToken(api, sub, 3601);
    expect((await alice.get(`/accounts/${accountId}`)).status).toBe(200);
    const key = randomUUID();
    const deposit = () => alice.post(`/accounts/${accountId}/deposits`, { amount: 250 }, { key });

    // Act
    const refused = await deposit();
    let retried = refused;
    await until(
      async () => {
        retried = await deposit();
        return retried.status !== 429;
      },
      windowSeconds * 1000 + 2_000,
      "the window having room",
    );

    // Assess
    expectRateLimited(refused, windowSeconds);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    const account = await sameUserOtherToken(api, sub, 3602).get(`/accounts/${accountId}`);
    expect(account.body.balance).toBe(250);
  });
});
