import { parseEnvironment } from "../functions/shared/environment";
import { signLocalToken } from "../lib/local/jwt";
import { localEnvironmentSchema } from "../lib/local/local-environment";

/** `npm run token -- <sub>`: a one-hour local token for caller <sub>, on stdout alone. */

const USAGE = [
  "Usage: npm run token -- <sub>",
  "Prints a bearer token for caller <sub>, valid for one hour, signed with JWT_SECRET,",
  "for issuer JWT_ISSUER and audience JWT_AUDIENCE (each, when unset, the local",
  "development default `npm start` uses too, so that its gateway accepts the token).",
  "In a shell: TOKEN=$(npm run --silent token -- alice)",
].join("\n");

async function main(): Promise<number> {
  const [sub, ...rest] = process.argv.slice(2);
  if (!sub || sub.startsWith("-") || sub.trim() === "" || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return sub === "--help" || sub === "-h" ? 0 : 1;
  }
  // Only what the token carries matters here: a bad PORT must not stop you getting one.
  // A bad value throws, naming the variable: main's caller prints it and exits 1.
  const { JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE } = parseEnvironment(
    localEnvironmentSchema.pick({ JWT_SECRET: true, JWT_ISSUER: true, JWT_AUDIENCE: true }),
    process.env,
    "Invalid environment for npm run token",
  );
  const token = await signLocalToken(sub, JWT_SECRET, {
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
  });
  process.stdout.write(`${token}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
