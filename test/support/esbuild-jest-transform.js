// Jest's transform: esbuild, the compiler that already bundles the functions,
// rather than a second native toolchain. Each file on its own (TypeScript,
// or an ESM-only package) to CommonJS, which jest's module loader needs (see
// jest.config.js).
//
// Unlike babel-jest, it does not hoist jest.mock() above the imports (esbuild
// keeps ESM order: imports first): a module a test mocks must be required
// after the mock is set up, as lib/canary's lazy require() of the AWS SDK is.

const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { transformSync, version } = require("esbuild");

// A change to this file or to esbuild invalidates jest's cache of transformed files.
const transformerKey = createHash("sha256")
  .update(readFileSync(__filename))
  .update(version)
  .digest("hex");

module.exports = {
  getCacheKey(sourceText, sourcePath, options) {
    return createHash("sha256")
      .update(transformerKey)
      .update(options.configString)
      .update(sourcePath)
      .update(sourceText)
      .digest("hex");
  },
  process(sourceText, sourcePath) {
    const { code, map } = transformSync(sourceText, {
      loader: sourcePath.endsWith(".ts") ? "ts" : "js",
      format: "cjs",
      target: "es2022",
      // import() becomes require(): jest's VM refuses a dynamic import
      // without --experimental-vm-modules (@aws/lambda-invoke-store has one).
      supported: { "dynamic-import": false },
      sourcemap: "external",
      sourcefile: sourcePath,
    });
    return { code, map };
  },
};
