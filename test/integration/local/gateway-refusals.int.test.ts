import { connect } from "node:net";
import { type RunningGateway, startGateway } from "../../../lib/local/gateway/gateway";
import { deferred, silentLogger } from "../../support/lambda-fixtures";
import { within } from "../../support/within";

// The local gateway's answers to what never reaches its request handler:
// bytes Node's HTTP parser rejects, and CONNECT. fetch cannot send such
// bytes, so these tests write raw HTTP on a socket.

const SECRET = "gateway-tests-secret-of-at-least-32-characters";

/** Lets a test hold the slow route's handler until it has sent more bytes. */
let releaseSlow = deferred();

/** Counted: a request whose body the parser refused must never reach it. */
const uploads = jest.fn(async () => ({ statusCode: 201, body: "uploaded" }));

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway({
    jwtSecret: SECRET,
    functionTimeoutMs: 5_000,
    logger: silentLogger,
    routes: [
      {
        id: "publicThing",
        method: "GET",
        path: "/public",
        authenticated: false,
        handler: async () => ({ statusCode: 200, body: "public" }),
      },
      {
        id: "publicUpload",
        method: "POST",
        path: "/public",
        authenticated: false,
        handler: uploads,
      },
      {
        id: "slow",
        method: "GET",
        path: "/slow",
        authenticated: false,
        handler: async () => {
          await releaseSlow.promise;
          return { statusCode: 200, body: "slow" };
        },
      },
    ],
  });
});

afterAll(async () => {
  await gateway.close();
});

interface RawAnswer {
  readonly statusLine: string;
  /** Names in lower case. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Writes `bytes` on a new connection and reads until the gateway closes it;
 * `afterFirstAnswer` is called once the first bytes of an answer arrive.
 */
function exchange(bytes: string, afterFirstAnswer?: () => void): Promise<string> {
  return within(
    new Promise<string>((resolve, reject) => {
      const socket = connect(gateway.port, "127.0.0.1");
      const received: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => {
        if (received.length === 0) afterFirstAnswer?.();
        received.push(chunk);
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(Buffer.concat(received).toString("latin1")));
      socket.write(bytes, "latin1");
    }),
    5_000,
    "the gateway closing the connection",
  );
}

/** The answers on a connection, in order; each body framed by its Content-Length. */
function parseAnswers(text: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  while (rest.length > 0) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd < 0) throw new Error(`not an HTTP answer: ${JSON.stringify(rest)}`);
    const [statusLine = "", ...headerLines] = rest.slice(0, headEnd).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    const bodyStart = headEnd + 4;
    answers.push({ statusLine, headers, body: rest.slice(bodyStart, bodyStart + length) });
    rest = rest.slice(bodyStart + length);
  }
  return answers;
}

async function onlyAnswer(bytes: string): Promise<RawAnswer> {
  const answers = parseAnswers(await exchange(bytes));
  expect(answers).toHaveLength(1);
  return answers[0] as RawAnswer;
}

/** The gateway's own problem+json headers, as its other answers carry them. */
function expectGatewayProblemHeaders(answer: RawAnswer): void {
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  expect(answer.headers["cache-control"]).toBe("no-store");
  expect(answer.headers.connection).toBe("close");
  expect(answer.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.headers["content-length"]).toBe(String(Buffer.byteLength(answer.body)));
}

const badRequestBody = {
  type: "https://payments.example.com/problems/bad-request",
  title: "Bad request",
  status: 400,
  detail: "API Gateway could not accept the request.",
};

describe("bytes Node's HTTP parser rejects", () => {
  it.each([
    ["a control character in a header", "GET /public HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n"],
    [
      "a Content-Length that is not a number",
      "POST /public HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    ],
    ["an HTTP version that does not exist", "GET /public HTTP/1.7\r\nHost: x\r\n\r\n"],
    ["a request line that is not HTTP", "HELLO\r\n\r\n"],
  ])("%s: 400 bad-request as problem+json, and the connection is closed", async (_, bytes) => {
    const answer = await onlyAnswer(bytes);

    expect(answer.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expectGatewayProblemHeaders(answer);
    expect(JSON.parse(answer.body)).toEqual(badRequestBody);
  });

  it("after a good request on the same connection: its answer, then the 400", async () => {
    const answers = parseAnswers(
      await exchange(
        "GET /public HTTP/1.1\r\nHost: x\r\n\r\nGET /public HTTP/1.1\r\nHost: x\r\nX-Bad: \x7f\r\n\r\n",
      ),
    );

    expect(answers.map((answer) => answer.statusLine)).toEqual([
      "HTTP/1.1 200 OK",
      "HTTP/1.1 400 Bad Request",
    ]);
    expect(answers[0]?.body).toBe("public");
    expect(JSON.parse(answers[1]?.body ?? "")).toEqual(badRequestBody);
  });

  it("while a good request on the same connection is still served: its answer comes first", async () => {
    releaseSlow = deferred();
    const pipelined = exchange("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /public HTTP/1.7\r\n\r\n");
    // The parser has refused the second request by now; the first one is still running.
    setTimeout(() => releaseSlow.resolve(), 100);
    const answers = parseAnswers(await pipelined);

    expect(answers.map((answer) => answer.statusLine)).toEqual([
      "HTTP/1.1 200 OK",
      "HTTP/1.1 400 Bad Request",
    ]);
    expect(answers[0]?.body).toBe("slow");
    expectGatewayProblemHeaders(answers[1] as RawAnswer);
  });

  it("in the body of the request being served: the 400 at once, the request's handler never called", async () => {
    const answer = await onlyAnswer(
      "POST /public HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnot-a-chunk-size\r\n",
    );

    expect(answer.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expectGatewayProblemHeaders(answer);
    expect(JSON.parse(answer.body)).toEqual(badRequestBody);
    expect(uploads).toHaveBeenCalledTimes(0);
  });
});

describe("CONNECT", () => {
  it("to a host: 405 method-not-allowed with Allow, and the connection is closed", async () => {
    const answer = await onlyAnswer(
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    );

    expect(answer.statusLine).toBe("HTTP/1.1 405 Method Not Allowed");
    expectGatewayProblemHeaders(answer);
    expect(answer.headers.allow).toBe("GET, POST, OPTIONS");
    expect(JSON.parse(answer.body)).toEqual({
      type: "https://payments.example.com/problems/method-not-allowed",
      title: "Method not allowed",
      status: 405,
      detail: "CONNECT is not allowed here; use GET or POST or OPTIONS.",
    });
  });

  it("to a route's path: Allow lists that route's methods", async () => {
    const answer = await onlyAnswer("CONNECT /slow HTTP/1.1\r\nHost: x\r\n\r\n");

    expect(answer.statusLine).toBe("HTTP/1.1 405 Method Not Allowed");
    expectGatewayProblemHeaders(answer);
    expect(answer.headers.allow).toBe("GET, OPTIONS");
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 405,
      type: expect.stringMatching(/method-not-allowed$/),
    });
  });
});
