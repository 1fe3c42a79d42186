// zod/mini, not zod: this script goes inline into the template, and zod's
// chainable API would make it about 90 KB instead of 18.
import * as z from "zod/mini";
import { parseEnvironment } from "../../functions/shared/environment";
import { readCanaryCredentials } from "./canary-credentials";
import { cardPaymentCheck } from "./card-payment-check";
import { cognitoAccessToken } from "./cognito-token";
import { depositReplayCheck } from "./deposit-replay-check";

/**
 * The CloudWatch Synthetics canary: signs in as its own Cognito user, then
 * runs the deposit replay check and the card payment check against the
 * deployed API (the card check through Stripe's test mode: the processor's
 * secret must hold a test key). A thrown error fails the run
 * (SuccessPercent drops, the alarm notifies).
 */

// Messages of their own: zod/mini alone loads no locale to word them.
const setting = z.string({ error: "must be set" }).check(z.minLength(1, "must be set"));

const environmentSchema = z.object({
  CANARY_SECRET_ARN: setting,
  USER_POOL_REGION: setting,
  USER_POOL_CLIENT_ID: setting,
  API_URL: setting,
});

export async function handler(): Promise<void> {
  const environment = parseEnvironment(
    environmentSchema,
    process.env,
    "Invalid environment for the canary",
  );
  const credentials = await readCanaryCredentials(environment.CANARY_SECRET_ARN);
  const token = await cognitoAccessToken({
    region: environment.USER_POOL_REGION,
    clientId: environment.USER_POOL_CLIENT_ID,
    ...credentials,
  });
  const target = { baseUrl: environment.API_URL, token };
  const deposit = await depositReplayCheck(target);
  console.log(JSON.stringify({ message: "deposit replay check passed", ...deposit }));
  const card = await cardPaymentCheck(target);
  console.log(JSON.stringify({ message: "card payment check passed", ...card }));
}
