import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteTableCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { newId } from "../../../functions/domain/primitives";
import { DataTable } from "../../../functions/shared/dynamodb/data-table";
import { outboxEvent, writeOutboxEvent } from "../../../functions/shared/outbox";
import { ensureTable } from "../../../lib/local/create-tables";
import {
  type OutboxStreamRunner,
  startOutboxStreamRunner,
} from "../../../lib/local/outbox-stream-runner";
import {
  dataTableDefinition,
  idempotencyTableDefinition,
} from "../../../lib/tables/table-definitions";
import { testClient, testEnvironment } from "../../support/dynamodb";
import { silentLogger } from "../../support/lambda-fixtures";
import { sinkEvents } from "../../support/outbox-sink";

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const publishedIds = (sinkFile: string): string[] => sinkEvents(sinkFile).map((event) => event.id);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Tables of this file alone: the shared data table's stream is also read by
 * the `npm start` processes other test files spawn, whose publishers would
 * claim (and publish elsewhere) the events this test waits for.
 */
const suffix = newId().toLowerCase();
const tables = { data: `outbox-data-${suffix}`, idempotency: `outbox-idempotency-${suffix}` };

/** Commits outbox events the way the use cases do: in a transaction. */
async function commitEvents(count: number): Promise<string[]> {
  const table = new DataTable(testClient(), tables.data);
  const events = Array.from({ length: count }, (_, index) =>
    outboxEvent(
      "test.happened",
      `subject-${index}`,
      { index },
      new Date().toISOString(),
      `request-${index}`,
    ),
  );
  await testClient().send(
    new TransactWriteItemsCommand({
      TransactItems: events.map((event) => writeOutboxEvent(table, event)),
    }),
  );
  return events.map((event) => event.id);
}

const countOf = (ids: readonly string[], id: string) => ids.filter((seen) => seen === id).length;

describe("the local outbox publisher on DynamoDB Local's stream", () => {
  const runners: OutboxStreamRunner[] = [];
  const start = async (sinkFile: string, startingPosition: "LATEST" | "TRIM_HORIZON") => {
    const runner = await startOutboxStreamRunner({
      endpoint: testEnvironment().endpoint,
      dataTableName: tables.data,
      idempotencyTableName: tables.idempotency,
      sinkFile,
      startingPosition,
      pollIntervalMs: 50,
      logger: silentLogger,
    });
    runners.push(runner);
    return runner;
  };
  beforeAll(async () => {
    await ensureTable(testClient(), dataTableDefinition, tables.data);
    await ensureTable(testClient(), idempotencyTableDefinition, tables.idempotency);
  });
  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    for (const name of Object.values(tables)) {
      await testClient().send(new DeleteTableCommand({ TableName: name }));
    }
    testClient().destroy();
  });

  it("publishes each committed event once, and nothing again when the stream is read anew", async () => {
    const sinkFile = join(mkdtempSync(join(tmpdir(), "outbox-")), "events.jsonl");
    const first = await start(sinkFile, "LATEST");

    const earlier = await commitEvents(3);
    await until(() => earlier.every((id) => publishedIds(sinkFile).includes(id)), "3 events");
    await first.stop();
    // A restart from the start of the stream redelivers every record.
    await start(sinkFile, "TRIM_HORIZON");
    const later = await commitEvents(1);
    await until(() => later.every((id) => publishedIds(sinkFile).includes(id)), "the 4th event");
    await sleep(500);

    const published = publishedIds(sinkFile);
    for (const id of [...earlier, ...later]) expect([id, countOf(published, id)]).toEqual([id, 1]);
  });
});
