import type { IncomingMessage } from "node:http";

/** The request body as the gateway buffers it for the event, within a limit. */

export type BodyResult =
  | { readonly kind: "body"; readonly bytes: Buffer }
  | { readonly kind: "too-large" };

/**
 * Reads at most `limit` bytes. A body declared or grown larger is not read
 * further: the gateway answers 413 and closes the connection. `beforeReading`
 * runs only when the body is going to be read (to send `100 Continue`).
 */
export function readBody(
  request: IncomingMessage,
  limit: number,
  beforeReading: () => void = () => undefined,
): Promise<BodyResult> {
  const declared = Number(request.headers["content-length"]);
  if (declared > limit) return Promise.resolve({ kind: "too-large" });
  beforeReading();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      request.off("data", onData);
      request.pause();
      resolve({ kind: "too-large" });
    };
    request.on("data", onData);
    request.once("end", () => resolve({ kind: "body", bytes: Buffer.concat(chunks) }));
    request.once("error", reject);
  });
}
