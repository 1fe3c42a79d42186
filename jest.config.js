// Four tiers, one suffix each: *.unit.test.ts (no network),
// *.int.test.ts (DynamoDB Local, started by the global setup),
// *.infra.test.ts (CDK assertions) and *.browser.test.ts (headless Chromium
// against `npm start`; skipped, with one line on stderr, without Chromium).
// `npm test` runs all four.

// esbuild (test/support/esbuild-jest-transform.js) compiles TypeScript and
// the ESM-only @middy/* and jose packages to CommonJS. Node 24 can require()
// ESM, but jest's own module loader still cannot (jest 30.5 does only with
// --experimental-vm-modules): without the transform, "Must use import to load
// ES Module". @aws/lambda-invoke-store is CommonJS but loads node:async_hooks
// with a dynamic import(), which jest's VM refuses without that flag too
// (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG).
const transform = {
  "^.+\\.(t|j)s$": "<rootDir>/test/support/esbuild-jest-transform.js",
};
const transformIgnorePatterns = ["/node_modules/(?!(@middy|jose|@aws/lambda-invoke-store)/)"];
const setupFiles = ["<rootDir>/test/support/quiet-test-environment.ts"];

/** @type {import('jest').Config} */
module.exports = {
  // Under npm, the tests must run on the pinned Node (the `node` optional dependency).
  globalSetup: "<rootDir>/test/support/node-version-global-setup.ts",
  projects: [
    {
      displayName: "unit",
      testMatch: ["<rootDir>/test/unit/**/*.unit.test.ts"],
      transform,
      transformIgnorePatterns,
      setupFiles,
    },
    {
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.int.test.ts"],
      transform,
      transformIgnorePatterns,
      setupFiles,
      globalSetup: "<rootDir>/test/support/dynamodb-global-setup.ts",
      globalTeardown: "<rootDir>/test/support/dynamodb-global-teardown.ts",
    },
    {
      displayName: "infra",
      testMatch: ["<rootDir>/test/infra/**/*.infra.test.ts"],
      transform,
      transformIgnorePatterns,
      setupFiles,
      setupFilesAfterEnv: ["aws-cdk-lib/testhelpers/jest-autoclean"],
    },
    {
      displayName: "browser",
      testMatch: ["<rootDir>/test/browser/**/*.browser.test.ts"],
      transform,
      transformIgnorePatterns,
      setupFiles,
    },
  ],
};
