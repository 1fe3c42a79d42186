/**
 * The browser script that starts Swagger UI on the page, served after the
 * renderer's bundle in the same answer (GET /docs/swagger-ui.js): the page
 * under `script-src 'self'` may run no inline script of its own.
 *
 * - url: relative, so the page works under any base path (a stage, a
 *   custom domain's mapping);
 * - displayOperationId: the ids the SDK's methods are named after;
 * - validatorUrl null: no badge fetched from validator.swagger.io;
 * - queryConfigEnabled false: no `?url=` pointing the page at another document.
 */
export const DOCS_INITIALIZER = `
;(function () {
  "use strict";
  window.ui = window.SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    displayOperationId: true,
    validatorUrl: null,
    queryConfigEnabled: false,
  });
})();
`;
