import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The tests run on the Node that Lambda runs: the `node` devDependency installs
 * that binary as node_modules/.bin/node, which npm puts first on PATH for every
 * script. When its install script was skipped (`npm ci --ignore-scripts`, or no
 * `allowScripts` entry for it), `node` silently resolves to the machine's own:
 * under npm, refuse to run on any other version than the pinned one. Jest run
 * directly (an IDE, `node_modules/.bin/jest`) runs on whatever Node its caller
 * chose, and is not checked.
 */
export default function nodeVersionGlobalSetup(): void {
  if (!process.env.npm_lifecycle_event) return;
  const packageJson = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const pinned = packageJson.devDependencies.node;
  if (process.versions.node === pinned) return;
  throw new Error(
    `jest runs on Node ${process.versions.node} under npm, but the project pins node ${pinned}: ` +
      "node_modules/.bin/node is missing (its install script did not run: `npm ci` without " +
      '--ignore-scripts, with `"node": true` in allowScripts) or another Node comes first on PATH.',
  );
}
