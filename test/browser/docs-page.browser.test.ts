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

/** The bit of the page's DOM the check reads (the project's TypeScript has no DOM types). */
interface PageGlobals {
  readonly document: { readonly body: { readonly innerText: string } };
}

interface Operation {
  readonly summary?: string;
}

/** What the renderer names each operation: its summary, or its path when it has none. */
async function operationTitles(url: string): Promise<string[]> {
  const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.values(item).map((operation) => operation.summary ?? path),
  );
}

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

  it("lists every operation of the document, loading nothing from elsewhere, with no CSP violation", async () => {
    const titles = await operationTitles(api.url);
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
    await page.waitForFunction(
      (expected) => {
        const { document } = globalThis as unknown as PageGlobals;
        return expected.every((title) => document.body.innerText.includes(title));
      },
      titles,
      { timeout: 60_000 },
    );

    expect(answer?.status()).toBe(200);
    expect(titles.length).toBeGreaterThan(10);
    expect(titles).toEqual(
      expect.arrayContaining(["Deposit money into an account", "Create a pending order"]),
    );
    expect(errors).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${api.url}/`))).toEqual([]);
    expect(requested).toEqual(
      expect.arrayContaining([
        `${api.url}/docs`,
        `${api.url}/docs/scalar.js`,
        `${api.url}/openapi.json`,
      ]),
    );
  });
});
