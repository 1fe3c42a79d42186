import { randomUUID } from "node:crypto";
import { GetItemCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { DynamoDbIdempotencyStore, makeIdempotent } from "../../../functions/idempotency";
import { createDynamoDbClient } from "../../../functions/shared/aws/dynamodb-client";
import { markerWrite, markerWritten, testEnvironment } from "../../support/dynamodb";

/**
 * The commit strategy's `peek` on DynamoDB Local, counted request by
 * request: the record is read beside the handler's own read, so a replay
 * answers from it and sends no transaction; without it a replay sends the
 * handler's transaction, which the record refuses.
 */

const { endpoint, idempotencyTable, dataTable } = testEnvironment();
const client = createDynamoDbClient({ endpoint });
const sent = new Map<string, number>();
client.middlewareStack.add(
  (next, context) => async (args) => {
    const command = context.commandName ?? "unknown";
    sent.set(command, (sent.get(command) ?? 0) + 1);
    return next(args);
  },
  { step: "initialize", name: "countRequests" },
);
afterAll(() => client.destroy());

/** Requests sent by `run`, by command. */
async function requestsOf(run: () => Promise<unknown>): Promise<Record<string, number>> {
  sent.clear();
  await run();
  return Object.fromEntries(sent);
}

/** A deposit-shaped function: it reads one item, then commits a marker with its result. */
function depositOnce(peek: boolean) {
  let runs = 0;
  const deposit = makeIdempotent<{ id: string }, { marker: string }, TransactWriteItem>(
    async ({ id }, handle) => {
      runs += 1;
      await client.send(
        new GetItemCommand({
          TableName: dataTable,
          Key: marshall({ pk: `account#${id}`, sk: "account" }),
          ConsistentRead: true,
        }),
      );
      return handle.commit([markerWrite(id)], { marker: id });
    },
    {
      store: new DynamoDbIdempotencyStore({ client, tableName: idempotencyTable }),
      strategy: "commit",
      scope: `peek-${randomUUID()}`,
      keyOf: ({ id }) => id,
      peek,
    },
  );
  return { deposit, runs: () => runs };
}

describe("peek, on DynamoDB Local", () => {
  it("costs a first execution one read and spares its replay the transaction", async () => {
    const { deposit, runs } = depositOnce(true);
    const id = randomUUID();

    const first = await requestsOf(() => deposit({ id }));
    let replayed = false;
    const replay = await requestsOf(async () => {
      replayed = (await deposit({ id })).replayed;
    });

    expect(first).toEqual({ GetItemCommand: 2, TransactWriteItemsCommand: 1 });
    expect(replay).toEqual({ GetItemCommand: 2 });
    expect(replayed).toBe(true);
    expect(runs()).toBe(2);
    expect(await markerWritten(id)).toBe(true);
  });

  it("without it, a replay sends the handler's transaction, which the record refuses", async () => {
    const { deposit } = depositOnce(false);
    const id = randomUUID();

    const first = await requestsOf(() => deposit({ id }));
    let replayed = false;
    const replay = await requestsOf(async () => {
      replayed = (await deposit({ id })).replayed;
    });

    expect(first).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(replay).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(replayed).toBe(true);
  });
});
