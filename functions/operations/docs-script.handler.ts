import { createPublicHandler } from "../shared/http/public-handler";
import { staticAsset } from "../shared/http/static-asset";
import { createObservability } from "../shared/observability/create-observability";
import { DOCS_SCRIPT_CSP } from "./docs-page";
import { readRendererScript } from "./docs-renderer";

const script = staticAsset({
  body: readRendererScript(),
  contentType: "text/javascript; charset=utf-8",
  // It changes only with a deploy that upgrades the renderer: a day is plenty.
  cacheControl: "public, max-age=86400",
  contentSecurityPolicy: DOCS_SCRIPT_CSP,
});

export const handler = createPublicHandler(createObservability("docsScript"), async (event) =>
  script(event),
);
