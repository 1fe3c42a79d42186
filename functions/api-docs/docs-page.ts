/**
 * GET /docs: the API reference, an HTML page that loads Swagger UI from the
 * API itself (GET /docs/swagger-ui.css, GET /docs/swagger-ui.js) and the
 * document from GET /openapi.json. Relative addresses, so the page works
 * under any base path (a custom domain's mapping, a stage).
 */
export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Idempotent payments API: reference</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="docs/swagger-ui.css" />
  </head>
  <body>
    <noscript>This page renders <a href="openapi.json">the OpenAPI document</a> with JavaScript.</noscript>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui.js"></script>
  </body>
</html>
`;

/**
 * What the page may load, and nothing else:
 * - script-src 'self': only the renderer the API serves; no inline script,
 *   no eval;
 * - style-src 'self': only the renderer's stylesheet; no inline <style>
 *   (the styles Swagger UI sets at run time go through the DOM, which CSP
 *   does not restrict);
 * - connect-src 'self': the document, and "Try it out", which calls this API;
 * - img-src data:: the empty favicon (no /favicon.ico request) and the
 *   stylesheet's inline icons;
 * - everything else, framing, forms and <base> refused.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** For the script and the stylesheet themselves: they load nothing and are framed by nobody. */
export const DOCS_ASSET_CSP = "default-src 'none'; frame-ancestors 'none'";
