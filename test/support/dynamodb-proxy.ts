import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy for DynamoDB, in the test process, in front of the tier's
 * DynamoDB Local. A server under test is given its URL as DYNAMODB_ENDPOINT;
 * every call passes through, except one TransactWriteItems the test picks by
 * a marker in its body (a record key), whose REQUEST or ANSWER the proxy
 * holds. That makes the moments around a commit real without touching
 * production code: "the attempt reached its commit and has not sent it",
 * "DynamoDB committed and the attempt does not know it yet".
 */

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

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
  close(): Promise<void>;
}

type Hold =
  | { readonly kind: "answer"; readonly marker: string; readonly committed: () => void }
  | {
      readonly kind: "request";
      readonly marker: string;
      readonly arrived: (send: () => Promise<number>) => void;
    };

export async function startDynamoDbProxy(target: string): Promise<DynamoDbProxy> {
  const targetUrl = new URL(target);
  let armed: Hold | undefined;
  const heldAnswers: ServerResponse[] = [];

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
          const upstream = await forward(incoming, body);
          pass(answer, upstream);
          return upstream.status;
        });
        return;
      }
      forward(incoming, body).then(
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
    close: async () => {
      for (const answer of heldAnswers) answer.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
