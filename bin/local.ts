import { randomUUID } from "node:crypto";
import { signLocalToken } from "../lib/local/jwt";
import { type LocalApi, startLocalApi } from "../lib/local/local-api";
import { stopOnSignals } from "../lib/local/stop-on-signals";

/**
 * `npm start`: the whole API on this machine (see lib/local/local-api.ts).
 * Tests wait for the line `API listening on <url>`: keep its wording.
 */

// The README's walkthrough is for the same caller (a test checks both).
const DEMO_CALLER = "alice";

async function banner(api: LocalApi): Promise<string> {
  const token = await signLocalToken(DEMO_CALLER, api.jwtSecret, {
    issuer: api.jwtIssuer,
    audience: api.jwtAudience,
  });
  const database = api.ownsDynamoDbLocal
    ? `DynamoDB Local (in memory, stopped with the API) at ${api.dynamoDbEndpoint}`
    : api.dynamoDbEndpoint;
  const processor = api.ownsProcessorEmulator
    ? `Stripe emulator at ${api.paymentProcessorUrl} (test mode only; controls under /__emulator/)`
    : api.paymentProcessorUrl;
  return [
    "",
    `API listening on ${api.url}`,
    `DynamoDB: ${database}`,
    api.outboxSinkFile
      ? `Events (transactional outbox): appended to ${api.outboxSinkFile}`
      : "Events (transactional outbox): not published by this process (OUTBOX_PUBLISHER=off)",
    `Payment processor: ${processor}`,
    "",
    "A token for a caller (valid for one hour):",
    "  npm run token -- <sub>",
    "",
    `Try it (caller "${DEMO_CALLER}"); send it twice: the second answer is replayed:`,
    `  curl -i -X POST ${api.url}/accounts \\`,
    `    -H "Authorization: Bearer ${token}" \\`,
    '    -H "Content-Type: application/json" \\',
    `    -H "Idempotency-Key: ${randomUUID()}" \\`,
    `    -d '{"currency":"EUR","name":"Wallet"}'`,
    "",
    "Pay an order by card (pm_card_visa succeeds; pm_card_chargeDeclined and",
    "pm_card_chargeDeclinedInsufficientFunds are declined):",
    `  curl -i -X POST ${api.url}/orders/<orderId>/payments \\`,
    `    -H "Authorization: Bearer ${token}" \\`,
    '    -H "Content-Type: application/json" \\',
    `    -H "Idempotency-Key: ${randomUUID()}" \\`,
    `    -d '{"paymentMethod":"pm_card_visa"}'`,
    "",
    "Ctrl-C stops it.",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const api = await startLocalApi(process.env);
  process.stdout.write(`${await banner(api)}\n`);

  stopOnSignals(() => api.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
