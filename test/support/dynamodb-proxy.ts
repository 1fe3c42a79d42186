import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type DynamoDbRequest,
  type KeySchemas,
  provisionedThroughputExceededException,
  proxyFailure,
  readDynamoDbRequest,
  testKeySchemas,
  type WireAnswer,
} from "./dynamodb-wire";
import {
  type Armed,
  type EmulationOptions,
  type InjectOptions,
  type ItemMatch,
  itemMatches,
  TransactionConflicts,
} from "./transaction-conflicts";

/**
 * An HTTP proxy for DynamoDB, in the test process, in front of the tier's
 * DynamoDB Local. A server under test is given its URL as DYNAMODB_ENDPOINT
 * (a store under test, a client on it); every call passes through, except:
 * - one TransactWriteItems the test picks by a marker in its body (a record
 *   key), whose REQUEST or ANSWER the proxy holds. That makes the moments
 *   around a commit real without touching production code: "the attempt
 *   reached its commit and has not sent it", "DynamoDB committed and the
 *   attempt does not know it yet";
 * - writes that meet a concurrent transaction, which the proxy refuses as
 *   DynamoDB does and DynamoDB Local never does (see transaction-conflicts.ts);
 * - requests naming a throttled table, answered as DynamoDB answers a table
 *   past its throughput.
 */

type Upstream = WireAnswer;

export interface HeldAnswer {
  /** Resolves once DynamoDB has committed the transaction and the proxy holds its answer. */
  readonly committed: Promise<void>;
}

export interface HeldRequest {
  /** Resolves once the transaction's request has arrived and is held, unsent. */
  readonly arrived: Promise<void>;
  /** Sends the held request on to DynamoDB; resolves with DynamoDB's status code. */
  release(): Promise<number>;
}

export interface DynamoDbProxy {
  readonly url: string;
  /** Holds the answer of the next committed transaction whose request contains `marker`. */
  holdAnswerOf(marker: string): HeldAnswer;
  /** Holds the next transaction request that contains `marker`, until released. */
  holdRequestOf(marker: string): HeldRequest;
  /** From now on, concurrent transactions on one item cancel one another, as on DynamoDB. */
  emulateTransactionConflicts(options?: EmulationOptions): Armed;
  /** The next writes of a matching item meet a transaction holding it (`times`, default 1). */
  injectTransactionConflict(match: ItemMatch, options?: InjectOptions): Armed;
  /**
   * Every request naming `table`, every attempt of it, is answered
   * ProvisionedThroughputExceededException until disarmed.
   */
  throttle(table: string): Armed;
  /**
   * Requests of `operation` (naming a matching item) the proxy answered or
   * sent on, refused ones included; a held request counts once released.
   */
  attempts(operation: string, match?: ItemMatch): number;
  close(): Promise<void>;
}

export interface DynamoDbProxyOptions {
  /** The key attributes of the tables whose items the proxy tells apart. @default the integration tier's tables */
  readonly keySchemas?: KeySchemas;
}

type Hold =
  | { readonly kind: "answer"; readonly marker: string; readonly committed: () => void }
  | {
      readonly kind: "request";
      readonly marker: string;
      readonly arrived: (send: () => Promise<number>) => void;
    };

export async function startDynamoDbProxy(
  target: string,
  options: DynamoDbProxyOptions = {},
): Promise<DynamoDbProxy> {
  const targetUrl = new URL(target);
  const keySchemas = options.keySchemas ?? testKeySchemas;
  let armed: Hold | undefined;
  const heldAnswers: ServerResponse[] = [];
  const conflicts = new TransactionConflicts();
  const throttled: Array<{ readonly table: string; active: boolean; refused: number }> = [];
  const seen: DynamoDbRequest[] = [];

  const forward = (incoming: IncomingMessage, body: Buffer) =>
    new Promise<Upstream>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          hostname: targetUrl.hostname,
          port: targetUrl.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });

  /** What DynamoDB answers the request: refused here, or forwarded to DynamoDB Local. */
  const dispatch = async (incoming: IncomingMessage, body: Buffer): Promise<Upstream> => {
    let request: DynamoDbRequest;
    try {
      request = readDynamoDbRequest(
        String(incoming.headers["x-amz-target"] ?? ""),
        body,
        keySchemas,
      );
    } catch (error) {
      // A table without a key schema: the test's mistake, told to the caller.
      return proxyFailure(error instanceof Error ? error.message : String(error));
    }
    // DynamoDB Streams' polling (the outbox runner) is neither counted nor refused.
    if (request.operation) seen.push(request);
    const throttle = throttled.find((entry) => entry.active && request.tables.has(entry.table));
    if (throttle) {
      throttle.refused += 1;
      return provisionedThroughputExceededException();
    }
    const admission = conflicts.admit(request);
    if (admission.refusal) return admission.refusal;
    try {
      if (admission.holdMs > 0) await sleep(admission.holdMs);
      return await forward(incoming, body);
    } finally {
      admission.finish();
    }
  };

  const pass = (answer: ServerResponse, upstream: Upstream) => {
    if (answer.destroyed) return;
    answer.writeHead(upstream.status, upstream.headers);
    answer.end(upstream.body);
  };

  const isArmedFor = (incoming: IncomingMessage, body: Buffer, hold: Hold | undefined) =>
    hold !== undefined &&
    String(incoming.headers["x-amz-target"] ?? "").endsWith(".TransactWriteItems") &&
    body.includes(hold.marker);

  const server = createServer((incoming, answer) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const hold = isArmedFor(incoming, body, armed) ? armed : undefined;
      if (hold) armed = undefined;
      if (hold?.kind === "request") {
        hold.arrived(async () => {
          const upstream = await dispatch(incoming, body);
          pass(answer, upstream);
          return upstream.status;
        });
        return;
      }
      dispatch(incoming, body).then(
        (upstream) => {
          if (hold?.kind === "answer" && upstream.status === 200) {
            heldAnswers.push(answer);
            hold.committed();
            return;
          }
          pass(answer, upstream);
        },
        () => answer.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    holdAnswerOf(marker) {
      const committed = new Promise<void>((resolve) => {
        armed = { kind: "answer", marker, committed: resolve };
      });
      return { committed };
    },
    holdRequestOf(marker) {
      let send: (() => Promise<number>) | undefined;
      const arrived = new Promise<void>((resolve) => {
        armed = {
          kind: "request",
          marker,
          arrived: (forwardHeld) => {
            send = forwardHeld;
            resolve();
          },
        };
      });
      return {
        arrived,
        release: async () => {
          await arrived;
          if (!send) throw new Error("no request held");
          return send();
        },
      };
    },
    emulateTransactionConflicts: (emulation) => conflicts.emulate(emulation),
    injectTransactionConflict: (match, injection) => conflicts.inject(match, injection),
    throttle(table) {
      const entry = { table, active: true, refused: 0 };
      throttled.push(entry);
      return {
        refused: () => entry.refused,
        disarm: () => {
          entry.active = false;
        },
      };
    },
    attempts: (operation, match) =>
      seen.filter(
        (request) =>
          request.operation === operation &&
          (match === undefined || request.items.some((item) => itemMatches(match, item))),
      ).length,
    close: async () => {
      for (const answer of heldAnswers) answer.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
