/**
 * GET /docs: the API reference, an HTML page that loads the renderer from the
 * API itself (GET /docs/scalar.js) and the document from GET /openapi.json.
 * Relative addresses, so the page works under any base path (a custom
 * domain's mapping, a stage).
 */

/** Scalar's HTML API reads this; off: fonts from its CDN, telemetry, its AI agent, dev tools. */
const rendererConfiguration = {
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: "never",
  defaultOpenAllTags: true,
};

/** For an attribute value in single quotes. */
const escapeAttribute = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("'", "&#39;").replaceAll("<", "&lt;");

export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Idempotent payments API: reference</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <noscript>This page renders <a href="openapi.json">the OpenAPI document</a> with JavaScript.</noscript>
    <script id="api-reference" type="application/json" data-url="openapi.json"
      data-configuration='${escapeAttribute(JSON.stringify(rendererConfiguration))}'></script>
    <script src="docs/scalar.js"></script>
  </body>
</html>
`;

/**
 * What the page may load, and nothing else:
 * - script-src 'self': only the renderer the API serves; no inline script
 *   (the configuration is a JSON data block, which never runs);
 * - style-src 'unsafe-inline': the renderer injects its CSS as <style>
 *   elements and sets style attributes at run time, without a nonce we could
 *   hand it for each; CSS cannot run script, and no stylesheet is fetched;
 * - connect-src 'self': the document, and the renderer's "test request"
 *   client, which calls this API;
 * - img-src data:: the empty favicon (no /favicon.ico request) and the
 *   renderer's inline icons;
 * - everything else, framing, forms and <base> refused.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** For the script itself: a script answer loads nothing and is framed by nobody. */
export const DOCS_SCRIPT_CSP = "default-src 'none'; frame-ancestors 'none'";
