import { join } from "node:path";
import { buildSync } from "esbuild";

/**
 * The canary's script as one CommonJS file (`index.handler`), built with
 * esbuild when the stack is synthesized, as NodejsFunction builds the
 * functions. It is under 20 kilobytes (fetch and zod/mini; the AWS SDK is
 * the runtime's), so it goes inline into the template: no asset, no bucket.
 */
export function canaryScript(): string {
  const result = buildSync({
    entryPoints: [join(__dirname, "canary.handler.ts")],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    external: ["@aws-sdk/*"],
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error("esbuild produced no canary script");
  return output.text;
}
