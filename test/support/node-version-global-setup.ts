import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "../..");

/**
 * The tests run on the Node major that Lambda runs. The `node` package
 * (optionalDependencies, exactly pinned) installs that binary as
 * node_modules/.bin/node, which npm puts first on PATH for every script. Where
 * its install script did not run (`npm ci --ignore-scripts`, no `allowScripts`
 * entry) or failed (the registry has no binary for this platform: npm then
 * drops the optional package without a word), `node` silently resolves to the
 * machine's own. Under npm, refuse any Node but the pinned one, or the
 * machine's own of the same major when the pinned binary is absent. Jest run
 * directly (an IDE, `node_modules/.bin/jest`) runs on whatever Node its caller
 * chose, and is not checked.
 */
export default function nodeVersionGlobalSetup(): void {
  if (!process.env.npm_lifecycle_event) return;
  const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    optionalDependencies: Record<string, string>;
  };
  const pinned = packageJson.optionalDependencies.node ?? "";
  const running = process.versions.node;
  if (running === pinned) return;
  const pinnedInstalled = existsSync(join(root, "node_modules/node/bin/node"));
  const major = (version: string) => version.split(".")[0];
  if (!pinnedInstalled && major(running) === major(pinned)) return;
  throw new Error(
    `jest runs on Node ${running} under npm, but the project runs on Node ${pinned}. ` +
      (pinnedInstalled
        ? "Another `node` comes before node_modules/.bin on PATH."
        : "`npm ci` did not install it into node_modules (install scripts skipped, or no binary " +
          `for ${process.platform}-${process.arch} on the registry): run \`npm ci\` without ` +
          `--ignore-scripts, or install Node ${major(pinned)} yourself.`),
  );
}
