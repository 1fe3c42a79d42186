import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { findFreePort } from "../../../lib/local/dynamodb-local";
import { type LocalApiProcess, startLocalApiProcess } from "../../support/local-api-process";

// The README's "A walk through the API with curl" block, run with bash as a
// reader pastes it, against a fresh `npm start` (its own DynamoDB Local): so
// the walkthrough can never drift from the API again.

jest.setTimeout(120_000);

const ROOT = join(__dirname, "..", "..", "..");
const HEADING = "## A walk through the API with curl";

/** The first ```sh block under the walkthrough's heading. */
function walkthroughBlock(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf(`\n${HEADING}\n`));
  const block = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!section.startsWith(`\n${HEADING}`) || !block) {
    throw new Error(`README.md has no \`\`\`sh block under "${HEADING}"`);
  }
  return block;
}

/** Runs the block with bash, failing on the first failed command; its output. */
async function runWalkthrough(api: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    "bash",
    ["-euo", "pipefail", "-c", walkthroughBlock()],
    { cwd: ROOT, env: { ...process.env, API: api }, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

const statusesIn = (output: string) =>
  [...output.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));

describe("the README's curl walkthrough", () => {
  let api: LocalApiProcess;
  beforeAll(async () => {
    // An empty DYNAMODB_ENDPOINT (the tier sets one): npm start's own DynamoDB Local.
    api = await startLocalApiProcess({
      PORT: String(await findFreePort()),
      DYNAMODB_ENDPOINT: "",
    });
  });
  afterAll(() => api?.kill());

  it("runs top to bottom against a fresh npm start, showing the replay, the 422 and every step", async () => {
    const output = await runWalkthrough(api.url);
    const lastLine = output.trim().split("\n").at(-1) ?? "";

    // deposit, its replay, the key reused, transfer, payment, refund
    expect(statusesIn(output)).toEqual([201, 201, 422, 201, 201, 201]);
    expect(output.match(/^idempotent-replayed: true\r?$/gim)).toHaveLength(1);
    expect(output).toContain("/problems/idempotency-key-reused");
    expect(JSON.parse(lastLine)).toMatchObject({ balance: 1800, version: 5 });
  });

  it("uses the caller of npm start's banner", async () => {
    const bannerCaller = /Try it \(caller "([^"]+)"\)/.exec(api.output())?.[1];
    const blockCaller = /npm run -s token -- (\S+)\)/.exec(walkthroughBlock())?.[1];

    expect(bannerCaller).toBeDefined();
    expect(blockCaller).toBe(bannerCaller);
  });

  it("runs again against the same server: its keys are new on every run", async () => {
    const output = await runWalkthrough(api.url);

    expect(statusesIn(output)).toEqual([201, 201, 422, 201, 201, 201]);
  });
});
