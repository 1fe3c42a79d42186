import { createPublicHandler } from "../shared/http/public-handler";
import { staticAsset } from "../shared/http/static-asset";
import { createObservability } from "../shared/observability/create-observability";
import { DOCS_PAGE_CSP, DOCS_PAGE_HTML } from "./docs-page";

const page = staticAsset({
  body: DOCS_PAGE_HTML,
  contentType: "text/html; charset=utf-8",
  // Revalidated on every visit: it is small, and names the script to load.
  cacheControl: "no-cache",
  contentSecurityPolicy: DOCS_PAGE_CSP,
  headers: { "referrer-policy": "no-referrer" },
});

export const handler = createPublicHandler(createObservability("docs"), async (event) =>
  page(event),
);
