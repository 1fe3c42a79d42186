import { signLocalToken } from "../lib/local/jwt";
import { localEnvironmentSchema } from "../lib/local/local-environment";

/** `npm run token -- <sub>`: a one-hour local token for caller <sub>, on stdout alone. */

const USAGE = [
  "Usage: npm run token -- <sub>",
  "Prints a bearer token for caller <sub>, valid for one hour, signed with JWT_SECRET",
  "(or the local development default, the same one `npm start` uses).",
  "In a shell: TOKEN=$(npm run --silent token -- alice)",
].join("\n");

async function main(): Promise<number> {
  const [sub, ...rest] = process.argv.slice(2);
  if (!sub || sub.startsWith("-") || sub.trim() === "" || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return sub === "--help" || sub === "-h" ? 0 : 1;
  }
  // Only the secret matters here: a bad PORT must not stop you getting a token.
  const parsed = localEnvironmentSchema.pick({ JWT_SECRET: true }).safeParse(process.env);
  if (!parsed.success) {
    process.stderr.write(`JWT_SECRET: ${parsed.error.issues[0]?.message ?? "invalid"}\n`);
    return 1;
  }
  process.stdout.write(`${await signLocalToken(sub, parsed.data.JWT_SECRET)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
