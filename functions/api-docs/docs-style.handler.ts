import { createPublicHandler } from "../shared/http/public-handler";
import { staticAsset } from "../shared/http/static-asset";
import { createObservability } from "../shared/observability/create-observability";
import { DOCS_ASSET_CSP } from "./docs-page";
import { RENDERER_STYLESHEET, readRendererFile } from "./docs-renderer";

const stylesheet = staticAsset({
  body: readRendererFile(RENDERER_STYLESHEET),
  contentType: "text/css; charset=utf-8",
  // It changes only with a deploy that upgrades the renderer: a day is plenty.
  cacheControl: "public, max-age=86400",
  contentSecurityPolicy: DOCS_ASSET_CSP,
});

export const handler = createPublicHandler(createObservability("docsStyle"), async (event) =>
  stylesheet(event),
);
