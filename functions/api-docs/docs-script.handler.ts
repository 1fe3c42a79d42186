import { createPublicHandler } from "../shared/http/public-handler";
import { staticAsset } from "../shared/http/static-asset";
import { createObservability } from "../shared/observability/create-observability";
import { DOCS_INITIALIZER } from "./docs-initializer";
import { DOCS_ASSET_CSP } from "./docs-page";
import { RENDERER_SCRIPT, readRendererFile } from "./docs-renderer";

const script = staticAsset({
  // One answer for both: the renderer, then what starts it on the page.
  body: readRendererFile(RENDERER_SCRIPT) + DOCS_INITIALIZER,
  contentType: "text/javascript; charset=utf-8",
  // It changes only with a deploy that upgrades the renderer: a day is plenty.
  cacheControl: "public, max-age=86400",
  contentSecurityPolicy: DOCS_ASSET_CSP,
});

export const handler = createPublicHandler(createObservability("docsScript"), async (event) =>
  script(event),
);
