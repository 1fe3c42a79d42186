import { routeById } from "../routes";
import { loadHandlerConfig } from "../shared/config";
import { createHttpHandler } from "../shared/http/http-handler";
import { createLogger } from "../shared/logger";
import { issueKey } from "./issue-key";

const config = loadHandlerConfig();

export const handler = createHttpHandler({
  route: routeById("issueIdempotencyKey"),
  schemas: {},
  logger: createLogger("issueIdempotencyKey"),
  handle: async () => issueKey(config.idempotencyRetentionSeconds, new Date()),
});
