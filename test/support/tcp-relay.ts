import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Socket } from "node:net";

/**
 * A TCP relay in front of DynamoDB that can go silent: while it hangs,
 * connections are accepted and bytes are swallowed, never answered, as a
 * DynamoDB that is reachable but does not respond looks to a client. The
 * bytes swallowed are lost, as a timed-out request is.
 */
export interface TcpRelay {
  readonly url: string;
  /** From now on, nothing sent through the relay reaches DynamoDB or is answered. */
  hang(): void;
  /** Traffic flows again (requests sent while hanging stay lost). */
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const { hostname, port } = new URL(target);
  let hanging = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };

  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    track(client);
    track(upstream);
    client.on("data", (chunk) => {
      if (!hanging) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!hanging) client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    hang: () => {
      hanging = true;
    },
    resume: () => {
      hanging = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
