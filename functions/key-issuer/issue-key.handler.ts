import { routeById } from "../routes";
import { loadHandlerConfig } from "../shared/config";
import { createHttpHandler } from "../shared/http/http-handler";
import { createObservability } from "../shared/observability/create-observability";
import { issueKey } from "./issue-key";

const config = loadHandlerConfig();

export const handler = createHttpHandler({
  route: routeById("issueIdempotencyKey"),
  schemas: {},
  observability: createObservability("issueIdempotencyKey"),
  handle: async () => issueKey(config.idempotencyRetentionSeconds, new Date()),
});
