import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { type LocalApiProcess, startLocalApiProcess } from "../support/local-api-process";

// GET /docs of a running local API (`npm start`'s own process, its own
// DynamoDB Local) in headless Chromium: the page renders the OpenAPI document
// under its content security policy, loading nothing from anywhere else.

jest.setTimeout(120_000);

/** Debian's `chromium` package; CHROMIUM_PATH for another Chromium or Chrome. */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  process.stderr.write(
    `Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).\n`,
  );
}

/** As the machine notes say: without the network flags it calls Google's hosts, refused here. */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The bits of the page's DOM the check reads (the project's TypeScript has no DOM types). */
interface PageElement {
  readonly textContent: string | null;
  querySelector(selector: string): PageElement | null;
}
interface PageGlobals {
  readonly document: { querySelectorAll(selector: string): Iterable<PageElement> };
}

/** One operation: as the document declares it, or as the page shows it. */
interface OperationRow {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
}

interface Operation {
  readonly operationId: string;
  readonly summary?: string;
}

/** Every operation of the document the API serves. */
async function documentedOperations(url: string): Promise<OperationRow[]> {
  const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method,
      path,
      operationId: operation.operationId,
      summary: operation.summary ?? "",
    })),
  );
}

const byKey = (rows: readonly OperationRow[]) =>
  rows.map((row) => JSON.stringify(row)).sort((a, b) => a.localeCompare(b));

(hasChromium ? describe : describe.skip)("the API reference page in Chromium", () => {
  let api: LocalApiProcess;
  let browser: Browser;
  beforeAll(async () => {
    [api, browser] = await Promise.all([
      startLocalApiProcess({ PORT: "0" }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.kill();
  });

  it("shows every operation of the document, loading nothing from elsewhere, with no CSP violation", async () => {
    const expected = await documentedOperations(api.url);
    const page = await browser.newPage();
    const requested: string[] = [];
    const errors: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    page.on("console", (message) => {
      // CSP violations and failed loads are console errors in Chromium.
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));

    const answer = await page.goto(`${api.url}/docs`);
    // Swagger UI renders each operation as an .opblock, once the document is in.
    await page.waitForFunction(
      (count) => {
        const { document } = globalThis as unknown as PageGlobals;
        return [...document.querySelectorAll(".opblock")].length >= count;
      },
      expected.length,
      { timeout: 60_000 },
    );
    const rendered = await page.evaluate((): OperationRow[] => {
      const { document } = globalThis as unknown as PageGlobals;
      // Swagger UI puts zero-width spaces in paths, to break long ones.
      const text = (block: PageElement, selector: string) =>
        (block.querySelector(selector)?.textContent ?? "").replaceAll("\u200b", "").trim();
      return [...document.querySelectorAll(".opblock")].map((block) => ({
        method: text(block, ".opblock-summary-method").toLowerCase(),
        path: text(block, ".opblock-summary-path"),
        operationId: text(block, ".opblock-summary-operation-id"),
        summary: text(block, ".opblock-summary-description"),
      }));
    });

    expect(answer?.status()).toBe(200);
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.map((row) => row.summary)).toEqual(
      expect.arrayContaining(["Deposit money into an account", "Create a pending order"]),
    );
    // Each operation once, with its method, path, id and summary.
    expect(byKey(rendered)).toEqual(byKey(expected));
    expect(errors).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${api.url}/`))).toEqual([]);
    expect(requested).toEqual(
      expect.arrayContaining([
        `${api.url}/docs`,
        `${api.url}/docs/swagger-ui.css`,
        `${api.url}/docs/swagger-ui.js`,
        `${api.url}/openapi.json`,
      ]),
    );
  });
});
