import { randomUUID } from "node:crypto";
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { startTestApi, type TestApi } from "../../support/http-api";

// The contract's "Hostile input" section, through the local API Gateway and
// the real handlers against DynamoDB Local. Each case came from an attack run.

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

/**
 * A raw request: bytes fetch would re-encode (invalid UTF-8), header lines
 * fetch would merge (an array is one line per item).
 */
function sendBytes(
  path: string,
  body: Buffer,
  headers: OutgoingHttpHeaders,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, api.url);
    const request = httpRequest(
      target,
      { method: "POST", headers: { ...headers, "content-length": String(body.length) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
          }),
        );
      },
    );
    request.once("error", reject);
    request.end(body);
  });
}

describe("callers with long or odd subjects", () => {
  it.each([
    ["400 × é (a 1.2 KB token)", "é".repeat(400)],
    ["about 1.8 KB of ASCII", "x".repeat(1800)],
    ["a lone UTF-16 surrogate", "\ud800"],
    ["a lone low surrogate between letters", "a\udc00b"],
  ])("serves %s: writes run once and replay, never a 5xx", async (_name, sub) => {
    const caller = api.caller(sub);
    const key = "k".repeat(255);

    const opened = await caller.post("/accounts", { currency: "EUR" }, { key });
    const replayed = await caller.post("/accounts", { currency: "EUR" }, { key });
    const deposit = await caller.post(`/accounts/${opened.body.id}/deposits`, { amount: 300 });

    expect(opened.status).toBe(201);
    expect(opened.body.ownerId).toBe(sub);
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.text).toBe(opened.text);
    expect(deposit.status).toBe(201);
    expect(await caller.balanceOf(String(opened.body.id))).toBe(300);
  });

  it("keeps two callers apart when one subject is a prefix of the other's record scope", async () => {
    const key = randomUUID();
    const first = api.caller("a#b");
    const second = api.caller("a");

    const one = await first.post("/accounts", { currency: "EUR" }, { key: `c#${key}` });
    const other = await second.post("/accounts", { currency: "EUR" }, { key: `b#c#${key}` });

    expect(one.status).toBe(201);
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(other.body.id).not.toBe(one.body.id);
  });
});

describe("Idempotency-Key with a comma", () => {
  it.each([
    ["two header lines that join into one quoted string", '"abc,def"'],
    ["a bare comma", "abc,def"],
    ["a quoted comma", '"a,b"'],
  ])("refuses %s: 400 idempotency-key-invalid, nothing runs", async (_name, value) => {
    const caller = api.caller();

    const answer = await caller.post("/accounts", { currency: "EUR" }, { key: value });

    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/\/problems\/idempotency-key-invalid$/);
  });
});

describe("Idempotency-Key sent twice", () => {
  it("refuses two header lines (multiValueHeaders): 400 idempotency-key-invalid, nothing runs", async () => {
    const caller = api.caller();

    const answer = await sendBytes("/accounts", Buffer.from('{"currency":"EUR"}'), {
      authorization: `Bearer ${await caller.token()}`,
      "content-type": "application/json",
      // node:http sends one line per item for a name its typings do not know in lower case
      "Idempotency-Key": ["first-key", "second-key"],
    });

    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/\/problems\/idempotency-key-invalid$/);
  });
});

describe("money literals that JSON.parse would round", () => {
  it.each([
    "0.99999999999999999",
    "1000000000000.0000000001",
    "4.0000000000000001",
    "1.0000000000000001",
    "9007199254740993",
  ])(
    "refuses amount %s with 400 validation-error naming the field; nothing moves",
    async (literal) => {
      const caller = api.caller();
      const accountId = await caller.openAccount();

      const answer = await caller.post(`/accounts/${accountId}/deposits`, undefined, {
        rawBody: `{"amount":${literal}}`,
        headers: { "content-type": "application/json" },
      });

      expect(answer.status).toBe(400);
      expect(answer.body.type).toMatch(/\/problems\/validation-error$/);
      expect(answer.body.errors).toEqual([{ path: "amount", message: expect.any(String) }]);
      expect(await caller.balanceOf(accountId)).toBe(0);
      expect(await caller.entriesOf(accountId)).toEqual([]);
    },
  );

  it("refuses a rounded quantity deep in an order's items, with its path", async () => {
    const caller = api.caller();

    const answer = await caller.post("/orders", undefined, {
      rawBody:
        '{"currency":"EUR","items":[{"sku":"a","quantity":1,"unitPrice":5},{"sku":"b","quantity":2.00000000000000001,"unitPrice":5}]}',
      headers: { "content-type": "application/json" },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: "items.1.quantity", message: expect.any(String) }]);
  });

  it.each([
    ["1e3", 1000],
    ["1.0", 1],
    ["2.50e2", 250],
    ["1E+2", 100],
  ])("accepts %s, exactly an integer, as %d", async (literal, amount) => {
    const caller = api.caller();
    const accountId = await caller.openAccount();

    const answer = await caller.post(`/accounts/${accountId}/deposits`, undefined, {
      rawBody: `{"amount":${literal}}`,
      headers: { "content-type": "application/json" },
    });

    expect(answer.status).toBe(201);
    expect(answer.body.amount).toBe(amount);
    expect(await caller.balanceOf(accountId)).toBe(amount);
  });

  it("treats 1e3 and 1000 as the same request under one key: one deposit, then a replay", async () => {
    const caller = api.caller();
    const accountId = await caller.openAccount();
    const key = randomUUID();
    const headers = { "content-type": "application/json" };

    const first = await caller.post(`/accounts/${accountId}/deposits`, undefined, {
      key,
      rawBody: '{"amount":1e3}',
      headers,
    });
    const retry = await caller.post(`/accounts/${accountId}/deposits`, undefined, {
      key,
      rawBody: '{"amount":1000}',
      headers,
    });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await caller.balanceOf(accountId)).toBe(1000);
  });
});

describe("bodies nested deeper than 32 levels", () => {
  const deepPath = Array.from({ length: 32 }, () => "a").join(".");
  const nested = (depth: number, inner: string) =>
    `${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`;

  // Before: a digit followed by e anywhere (even in a string) made the rounding
  // check recurse through the whole body, and 4,000 levels overflowed its stack: 500.
  it.each([
    ["a sku A1E", '"A1E"'],
    ["an id holding 3E", '"01HX3E"'],
    ["1.0", "1.0"],
    ["16 digits", "1234567890123456"],
  ])(
    "refuses 4,000 levels around %s with the same 400 validation-error; nothing is stored, so the corrected retry runs",
    async (_name, inner) => {
      const caller = api.caller();
      const accountId = await caller.openAccount();
      const key = randomUUID();

      const refused = await caller.post(`/accounts/${accountId}/deposits`, undefined, {
        key,
        rawBody: `{"amount":5,"a":${nested(3_999, inner)}}`,
      });
      const corrected = await caller.post(
        `/accounts/${accountId}/deposits`,
        { amount: 5 },
        { key },
      );

      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        type: "https://payments.example.com/problems/validation-error",
        title: "Validation error",
        status: 400,
        detail: "The request is not valid.",
        errors: [
          { path: deepPath, message: "is nested deeper than 32 levels of arrays and objects" },
        ],
      });
      expect(corrected.status).toBe(201);
      expect(corrected.headers.get("idempotent-replayed")).toBeNull();
      expect(await caller.balanceOf(accountId)).toBe(5);
    },
  );
});

describe("objects that name a member twice (I-JSON)", () => {
  const malformed = (detail: string) => ({
    type: "https://payments.example.com/problems/malformed-json",
    title: "Malformed JSON",
    status: 400,
    detail,
  });

  it("refuses two amounts with 400 malformed-json: the balance is unchanged, and the corrected retry under the same key runs", async () => {
    const caller = api.caller();
    const accountId = await caller.openAccount();
    const key = randomUUID();

    const refused = await caller.post(`/accounts/${accountId}/deposits`, undefined, {
      key,
      rawBody: '{"amount":1,"amount":500000}',
    });
    const balanceAfterRefusal = await caller.balanceOf(accountId);
    const corrected = await caller.post(`/accounts/${accountId}/deposits`, { amount: 1 }, { key });

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(
      malformed(
        'The body names the member "amount" twice; member names must be unique (RFC 7493).',
      ),
    );
    expect(balanceAfterRefusal).toBe(0);
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get("idempotent-replayed")).toBeNull();
    expect(corrected.body.amount).toBe(1);
    expect(await caller.entriesOf(accountId)).toHaveLength(1);
    expect(await caller.balanceOf(accountId)).toBe(1);
  });

  it("refuses two toAccountIds, one spelled with an escape, and moves no money", async () => {
    const caller = api.caller();
    const from = await caller.openAccount("EUR", 100);
    const to = await caller.openAccount();
    const other = await caller.openAccount();

    const refused = await caller.post("/transfers", undefined, {
      rawBody: `{"fromAccountId":"${from}","toAccountId":"${to}","amount":10,"\\u0074oAccountId":"${other}"}`,
    });

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(
      malformed(
        'The body names the member "toAccountId" twice; member names must be unique (RFC 7493).',
      ),
    );
    expect(await caller.balanceOf(from)).toBe(100);
    expect(await caller.balanceOf(to)).toBe(0);
    expect(await caller.balanceOf(other)).toBe(0);
  });

  it("refuses a repeated name deep in an order's items, and creates no order", async () => {
    const caller = api.caller();

    const refused = await caller.post("/orders", undefined, {
      rawBody:
        '{"currency":"EUR","items":[{"sku":"a","quantity":1,"unitPrice":5},{"sku":"b","quantity":1,"quantity":9,"unitPrice":5}]}',
    });

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(
      malformed(
        'The object at items.1 names the member "quantity" twice; member names must be unique (RFC 7493).',
      ),
    );
  });
});

describe("query parameters", () => {
  const invalid = (errors: Array<{ path: string; message: unknown }>) => ({
    type: "https://payments.example.com/problems/validation-error",
    title: "Validation error",
    status: 400,
    detail: "The request is not valid.",
    errors,
  });

  it.each([
    ["limit=1&limit=100", "limit", 2],
    ["cursor=X&cursor=X", "cursor", 2],
    ["limit=5&cursor=a&cursor=b&cursor=c", "cursor", 3],
  ])(
    "refuses %s, a parameter given twice, with 400 validation-error naming it",
    async (query, name, times) => {
      const caller = api.caller();
      const accountId = await caller.openAccount("EUR", 10);

      const answer = await caller.get(`/accounts/${accountId}/entries?${query}`);

      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(
        invalid([{ path: name, message: `must be given once, not ${times} times` }]),
      );
    },
  );

  it.each(["limit=", "cursor=", "limit"])(
    "refuses the empty parameter in ?%s with 400 validation-error naming it",
    async (query) => {
      const caller = api.caller();
      const accountId = await caller.openAccount();

      const answer = await caller.get(`/accounts/${accountId}/entries?${query}`);

      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(
        invalid([{ path: query.replace("=", ""), message: "must not be empty" }]),
      );
    },
  );

  it("refuses an unknown parameter with 400 validation-error naming it", async () => {
    const caller = api.caller();
    const accountId = await caller.openAccount();

    const answer = await caller.get(`/accounts/${accountId}/entries?limit=5&debug=1`);

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(
      invalid([{ path: "", message: expect.stringContaining('"debug"') }]),
    );
  });

  it("refuses any parameter on a route that takes none, and a POST refused so runs and stores nothing", async () => {
    const caller = api.caller();
    const accountId = await caller.openAccount();
    const key = randomUUID();

    const read = await caller.get(`/accounts/${accountId}?expand=entries`);
    const refused = await caller.post(
      `/accounts/${accountId}/deposits?amount=9`,
      { amount: 5 },
      { key },
    );
    const corrected = await caller.post(`/accounts/${accountId}/deposits`, { amount: 5 }, { key });

    expect(read.status).toBe(400);
    expect(read.body).toEqual(
      invalid([{ path: "", message: expect.stringContaining('"expand"') }]),
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(
      invalid([{ path: "", message: expect.stringContaining('"amount"') }]),
    );
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get("idempotent-replayed")).toBeNull();
    expect(await caller.balanceOf(accountId)).toBe(5);
  });

  it("still reads each parameter given once", async () => {
    const caller = api.caller();
    const accountId = await caller.openAccount("EUR", 10);

    const answer = await caller.get(`/accounts/${accountId}/entries?limit=1`);

    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(1);
  });
});

describe("bodies that are not UTF-8", () => {
  it("answers 400 malformed-json and opens nothing", async () => {
    const caller = api.caller();
    const body = Buffer.concat([
      Buffer.from('{"currency":"EUR","name":"', "utf8"),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}', "utf8"),
    ]);

    const answer = await sendBytes("/accounts", body, {
      authorization: `Bearer ${await caller.token()}`,
      "content-type": "application/json",
      "idempotency-key": randomUUID(),
    });

    expect(answer.status).toBe(400);
    expect(answer.body.type).toMatch(/\/problems\/malformed-json$/);
  });

  it("accepts U+FFFD sent as real UTF-8: only invalid bytes are refused", async () => {
    const caller = api.caller();

    const answer = await caller.post("/accounts", { currency: "EUR", name: "\ufffd" });

    expect(answer.status).toBe(201);
    expect(answer.body.name).toBe("\ufffd");
  });
});

describe("If-Match compares entity tags as strings", () => {
  it('refuses "01" for ETag "1" (412) and changes nothing', async () => {
    const caller = api.caller();
    const order = await caller.post("/orders", {
      currency: "EUR",
      items: [{ sku: "a", quantity: 1, unitPrice: 100 }],
    });
    const items = [{ sku: "b", quantity: 2, unitPrice: 100 }];

    const leadingZero = await caller.patch(
      `/orders/${order.body.id}`,
      { items },
      { headers: { "if-match": '"01"' } },
    );
    const exact = await caller.patch(
      `/orders/${order.body.id}`,
      { items },
      { headers: { "if-match": '"1"' } },
    );

    expect(order.headers.get("etag")).toBe('"1"');
    expect(leadingZero.status).toBe(412);
    expect(exact.status).toBe(200);
    expect(exact.body).toMatchObject({ version: 2, total: 200 });
  });
});

describe("headers of every answer", () => {
  it("marks account and money answers no-store, and every answer nosniff", async () => {
    const caller = api.caller();
    const opened = await caller.post("/accounts", { currency: "EUR" });
    const accountId = String(opened.body.id);
    const key = randomUUID();
    const deposit = await caller.post(`/accounts/${accountId}/deposits`, { amount: 5 }, { key });
    const replay = await caller.post(`/accounts/${accountId}/deposits`, { amount: 5 }, { key });
    const read = await caller.get(`/accounts/${accountId}`);
    const entries = await caller.get(`/accounts/${accountId}/entries`);
    const refused = await caller.post(`/accounts/${accountId}/deposits`, { amount: -1 });
    const missing = await caller.get("/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    const health = await fetch(`${api.url}/health`);

    for (const answer of [opened, deposit, replay, read, entries, refused, missing]) {
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("lets a browser of an allowed origin read every answer and its replay headers (CORS)", async () => {
    const caller = api.caller();
    const origin = { origin: "https://app.example.com" };
    const key = randomUUID();
    const opened = await caller.post("/accounts", { currency: "EUR" }, { key, headers: origin });
    const replay = await caller.post("/accounts", { currency: "EUR" }, { key, headers: origin });
    const refused = await caller.post("/accounts", { currency: "XX" }, { headers: origin });
    const health = await fetch(`${api.url}/health`, { headers: origin });

    for (const answer of [opened, replay, refused, health]) {
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
      expect(answer.headers.get("access-control-expose-headers")).toBe(
        "location, etag, idempotent-replayed, retry-after",
      );
    }
  });
});

describe("refunds of a fully refunded order", () => {
  it("answers 409 refund-exceeds-payment, sequentially and in a race", async () => {
    const caller = api.caller();
    const accountId = await caller.openAccount("EUR", 1000);
    const order = await caller.post("/orders", {
      currency: "EUR",
      items: [{ sku: "a", quantity: 1, unitPrice: 600 }],
    });
    const orderId = String(order.body.id);
    await caller.post(`/orders/${orderId}/payments`, { accountId });

    const racing = await Promise.all(
      Array.from({ length: 4 }, () => caller.post(`/orders/${orderId}/refunds`, { amount: 600 })),
    );
    const after = await caller.post(`/orders/${orderId}/refunds`, { amount: 1 });

    expect(racing.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409]);
    for (const answer of [...racing.filter((a) => a.status === 409), after]) {
      expect(answer.body.type).toMatch(/\/problems\/refund-exceeds-payment$/);
    }
    expect(after.status).toBe(409);
    expect(await caller.balanceOf(accountId)).toBe(1000);
  });
});

describe("random ids keep the ledger in order", () => {
  it("lists concurrent deposits in the order the balance changed, page after page", async () => {
    const caller = api.caller();
    const accountId = await caller.openAccount();
    const amounts = Array.from({ length: 16 }, (_, index) => index + 1);

    await Promise.all(
      amounts.map((amount) => caller.post(`/accounts/${accountId}/deposits`, { amount })),
    );
    const pages: Array<Array<{ amount: number; balanceAfter: number }>> = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : "?limit=3";
      const page = await caller.get(`/accounts/${accountId}/entries${query}`);
      pages.push(page.body.items as Array<{ amount: number; balanceAfter: number }>);
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    const entries = pages.flat();

    expect(entries.map((entry) => entry.amount).sort((a, b) => a - b)).toEqual(amounts);
    let running = 0;
    for (const entry of entries) {
      running += entry.amount;
      expect(entry.balanceAfter).toBe(running);
    }
    expect(await caller.balanceOf(accountId)).toBe(running);
  });
});

describe("ids cannot be guessed from one's own", () => {
  const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const decode = (chars: string) =>
    [...chars].reduce((value, char) => value * 32n + BigInt(CROCKFORD.indexOf(char)), 0n);

  it("mints the ids of one request independently: a transfer's two entries are not id and id + 1", async () => {
    const caller = api.caller();
    const from = await caller.openAccount("EUR", 100);
    const to = await caller.openAccount("EUR");
    for (let round = 0; round < 10; round += 1) {
      await caller.post("/transfers", { fromAccountId: from, toAccountId: to, amount: 1 });
    }
    const entriesOf = async (accountId: string) =>
      (await caller.get(`/accounts/${accountId}/entries?limit=100`)).body.items as Array<{
        id: string;
        referenceId: string;
        type: string;
      }>;
    const debits = (await entriesOf(from)).filter((entry) => entry.type === "transfer_out");
    const credits = await entriesOf(to);

    // A transfer mints its two entries' ids one right after the other.
    const pairs = debits.map((debit) => {
      const credit = credits.find((entry) => entry.referenceId === debit.referenceId);
      return [debit.id, String(credit?.id)] as const;
    });
    const sameMillisecond = pairs.filter(([a, b]) => a.slice(0, 10) === b.slice(0, 10));
    expect(sameMillisecond.length).toBeGreaterThan(5);
    for (const [debitId, creditId] of sameMillisecond) {
      const distance = decode(creditId.slice(10)) - decode(debitId.slice(10));
      // Independent 80-bit draws are this close with odds of about 2^-39.
      expect(distance > 2n ** 40n || distance < -(2n ** 40n)).toBe(true);
    }
  });
});
