import { createPublicHandler } from "../shared/http/public-handler";
import { ok } from "../shared/http/responses";
import { createObservability } from "../shared/observability/create-observability";
// The committed document, generated from the zod schemas by `npm run openapi`;
// a test keeps the two equal. Serving the file keeps zod-openapi out of the bundle.
import document from "./openapi.json";

const body = ok(document);

export const handler = createPublicHandler(createObservability("openApi"), async () => body);
