import { createPublicHandler } from "../shared/http/public-handler";
import { ok } from "../shared/http/responses";
import { createLogger } from "../shared/logger";
// The committed document, generated from the zod schemas by `npm run openapi`;
// a test keeps the two equal. Serving the file keeps zod-openapi out of the bundle.
import document from "./openapi.json";

const body = ok(document);

export const handler = createPublicHandler(createLogger("openApi"), async () => body);
