import type { IncomingMessage, ServerResponse } from "node:http";
import * as z from "zod";
import { faultSpecSchema } from "./faults";
import type { ProcessorEmulatorControls } from "./processor-emulator";

/**
 * The emulator's controls over HTTP, under `/__emulator/`, for a test that
 * drives an emulator in another process (`npm start`). Same meaning as the
 * methods of {@link ProcessorEmulatorControls}; JSON in and out, no auth (the
 * emulator listens on 127.0.0.1 only):
 *
 * - `POST /__emulator/faults` a fault spec; `DELETE /__emulator/faults`
 * - `POST /__emulator/held/release` → `{ released }`
 * - `GET /__emulator/counts[?idempotencyKey=…]` → `{ charges, refunds }`
 * - `GET /__emulator/payment_intents`, `GET /__emulator/refunds` → `{ data }`
 * - `GET /__emulator/events` → `{ data: [{ event, attempts, delivered }] }`
 * - `POST /__emulator/events/{id}/deliver` `{ signature?, times?, url? }` → `{ attempts }`
 * - `GET /__emulator/events/{id}/signed[?signature=bad|stale]` → `{ payload, headers }`
 * - `POST /__emulator/webhooks/hold`, `POST /__emulator/webhooks/resume` `{ url? }`
 * - `POST /__emulator/webhooks/settled`: answers once no delivery is in flight or due
 */

const signatureSchema = z.enum(["valid", "bad", "stale"]);
const deliverySchema = z.object({
  signature: signatureSchema.optional(),
  times: z.number().int().min(1).max(10).optional(),
  url: z.url().optional(),
});
const resumeSchema = z.object({ url: z.url().optional() });
const EVENT_PATH = /^\/__emulator\/events\/(evt_[A-Za-z0-9]+)\/(deliver|signed)$/;

export async function handleControlRequest(
  controls: ProcessorEmulatorControls,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<void> {
  const method = request.method ?? "GET";
  const query = new URL(request.url ?? "/", "http://emulator").searchParams;
  const body = method === "POST" ? await readJson(request) : undefined;
  const route = `${method} ${path}`;

  try {
    if (route === "POST /__emulator/faults") {
      controls.injectFault(faultSpecSchema.parse(body));
      return sendJson(response, 204);
    }
    if (route === "DELETE /__emulator/faults") {
      controls.clearFaults();
      return sendJson(response, 204);
    }
    if (route === "POST /__emulator/held/release") {
      return sendJson(response, 200, { released: controls.releaseHeld() });
    }
    if (route === "GET /__emulator/counts") {
      const key = query.get("idempotencyKey") ?? undefined;
      return sendJson(response, 200, {
        charges: controls.chargesCreated(key),
        refunds: controls.refundsCreated(key),
      });
    }
    if (route === "GET /__emulator/payment_intents") {
      return sendJson(response, 200, { data: controls.paymentIntents() });
    }
    if (route === "GET /__emulator/refunds") {
      return sendJson(response, 200, { data: controls.refunds() });
    }
    if (route === "GET /__emulator/events") {
      const data = controls
        .events()
        .map(({ event, attempts, delivered }) => ({ event, attempts, delivered }));
      return sendJson(response, 200, { data });
    }
    if (route === "POST /__emulator/webhooks/hold") {
      controls.holdWebhooks();
      return sendJson(response, 204);
    }
    if (route === "POST /__emulator/webhooks/resume") {
      controls.resumeWebhooks(resumeSchema.parse(body ?? {}).url);
      return sendJson(response, 204);
    }
    if (route === "POST /__emulator/webhooks/settled") {
      await controls.webhooksSettled();
      return sendJson(response, 204);
    }
    const [, eventId, action] = EVENT_PATH.exec(path) ?? [];
    if (eventId !== undefined && action === "deliver" && method === "POST") {
      const attempts = await controls.deliverEvent(eventId, deliverySchema.parse(body ?? {}));
      return sendJson(response, 200, { attempts });
    }
    if (eventId !== undefined && action === "signed" && method === "GET") {
      const signature = signatureSchema.optional().parse(query.get("signature") ?? undefined);
      return sendJson(response, 200, controls.signedEvent(eventId, signature));
    }
    return sendJson(response, 404, { message: `No emulator control ${route}` });
  } catch (error) {
    const message =
      error instanceof z.ZodError
        ? z.prettifyError(error)
        : error instanceof Error
          ? error.message
          : String(error);
    return sendJson(response, 400, { message });
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendJson(response: ServerResponse, statusCode: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(statusCode).end();
    return;
  }
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(statusCode, {
    "content-type": "application/json",
    "content-length": String(bytes.length),
  });
  response.end(bytes);
}
