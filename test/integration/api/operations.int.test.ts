import { readFileSync } from "node:fs";
import { get } from "node:http";
import { DOCS_INITIALIZER } from "../../../functions/api-docs/docs-initializer";
import { DOCS_PAGE_CSP } from "../../../functions/api-docs/docs-page";
import {
  RENDERER_SCRIPT,
  RENDERER_STYLESHEET,
  rendererSourcePath,
} from "../../../functions/api-docs/docs-renderer";
import { startTestApi, type TestApi } from "../../support/http-api";

/** A GET with no Accept-Encoding at all (fetch always sends one): status, headers, raw bytes. */
function rawGet(url: string) {
  return new Promise<{ status?: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      get(url, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      }).on("error", reject);
    },
  );
}

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe("operations over HTTP", () => {
  it("reports health without a token", async () => {
    const answer = await fetch(`${api.url}/health`);

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: "ok" });
  });

  it("answers liveness without a token, with the headers of the other public answers", async () => {
    const origin = { origin: "https://app.example.com" };
    const live = await fetch(`${api.url}/health/live`, { headers: origin });
    const ready = await fetch(`${api.url}/health`, { headers: origin });

    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    expect(live.headers.get("content-type")).toBe("application/json");
    expect(live.headers.get("x-content-type-options")).toBe("nosniff");
    expect(live.headers.get("access-control-allow-origin")).toBe("*");
    for (const name of ["content-type", "x-content-type-options", "access-control-allow-origin"]) {
      expect([name, live.headers.get(name)]).toEqual([name, ready.headers.get(name)]);
    }
  });

  it("serves the OpenAPI document without a token", async () => {
    const answer = await fetch(`${api.url}/openapi.json`);
    const document = (await answer.json()) as { openapi: string; paths: Record<string, unknown> };

    expect(answer.status).toBe(200);
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/accounts/{accountId}/deposits");
  });

  it("serves the API reference page without a token, under its content security policy", async () => {
    const answer = await fetch(`${api.url}/docs`);
    const html = await answer.text();

    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(answer.headers.get("content-security-policy")).toBe(DOCS_PAGE_CSP);
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("cache-control")).toBe("no-cache");
    // Everything it loads, it loads from the API itself.
    expect(html).toContain('<link rel="stylesheet" href="docs/swagger-ui.css" />');
    expect(html).toContain('<script src="docs/swagger-ui.js"></script>');
    expect(html).not.toMatch(/<script>/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it.each([
    {
      path: "/docs/swagger-ui.js",
      contentType: "text/javascript; charset=utf-8",
      // The renderer from its npm package, then what starts it on the page.
      expected: () =>
        Buffer.concat([
          readFileSync(rendererSourcePath(RENDERER_SCRIPT)),
          Buffer.from(DOCS_INITIALIZER),
        ]),
    },
    {
      path: "/docs/swagger-ui.css",
      contentType: "text/css; charset=utf-8",
      expected: () => readFileSync(rendererSourcePath(RENDERER_STYLESHEET)),
    },
  ])(
    "serves the renderer's $path, gzipped or as it is",
    async ({ path, contentType, expected }) => {
      const gzipped = await fetch(`${api.url}${path}`);
      const plain = await rawGet(`${api.url}${path}`);

      expect(gzipped.status).toBe(200);
      expect(gzipped.headers.get("content-encoding")).toBe("gzip");
      expect(Buffer.from(await gzipped.arrayBuffer()).equals(expected())).toBe(true);
      expect(plain.status).toBe(200);
      expect(plain.headers).toMatchObject({
        "content-type": contentType,
        "cache-control": "public, max-age=86400",
        "x-content-type-options": "nosniff",
        vary: "accept-encoding",
      });
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.body.equals(expected())).toBe(true);
    },
  );

  it("mints a fresh key for the caller, which then works like any other key", async () => {
    const alice = api.caller();

    const issued = await alice.post("/idempotency-keys", undefined, { key: null });
    const key = String(issued.body.key);
    const first = await alice.post("/accounts", { currency: "EUR" }, { key });
    const retry = await alice.post("/accounts", { currency: "EUR" }, { key });
    const another = await alice.post("/idempotency-keys", undefined, { key: null });

    expect(issued.status).toBe(201);
    expect(key).toMatch(/^ik_[A-Za-z0-9_-]{32}$/);
    expect(Date.parse(String(issued.body.expiresAt)) - Date.now()).toBeGreaterThan(86_000_000);
    expect(another.body.key).not.toBe(key);
    expect(first.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.id).toBe(first.body.id);
  });

  it("answers 401 with WWW-Authenticate: Bearer without a token, and for a bad one", async () => {
    const none = await fetch(`${api.url}/accounts`, { method: "POST" });
    const bad = await fetch(`${api.url}/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV`, {
      headers: { authorization: "Bearer not.a.token" },
    });

    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/invalid_token/);
  });

  it("answers 404 for an unknown path and 405 with Allow for a known path", async () => {
    const alice = api.caller();

    const unknown = await alice.get("/nothing-here");
    const wrongMethod = await alice.send("DELETE", "/accounts", undefined, { key: null });

    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toMatch(/\/problems\/not-found$/);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toContain("POST");
    expect(wrongMethod.body.type).toMatch(/\/problems\/method-not-allowed$/);
  });
});
