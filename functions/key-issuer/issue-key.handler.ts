import { routeById } from "../routes";
import { loadHandlerConfig } from "../shared/config";
import { createHttpHandler } from "../shared/http/http-handler";
import { json } from "../shared/http/responses";
import { createObservability } from "../shared/observability/create-observability";
import { issueKey } from "./issue-key";

const config = loadHandlerConfig();

export const handler = createHttpHandler({
  route: routeById("issueIdempotencyKey"),
  schemas: {},
  observability: createObservability("issueIdempotencyKey"),
  handle: async () => issueKey(config.idempotencyRetentionSeconds, new Date()),
  // A key is for one caller's one request: no cache may hand it to another.
  respond: (issued) => json(201, issued, { "cache-control": "no-store" }),
});
