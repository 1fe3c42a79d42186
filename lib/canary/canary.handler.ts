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

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`The canary needs ${name}`);
  return value;
}

export async function handler(): Promise<void> {
  const credentials = await readCanaryCredentials(setting("CANARY_SECRET_ARN"));
  const token = await cognitoAccessToken({
    region: setting("USER_POOL_REGION"),
    clientId: setting("USER_POOL_CLIENT_ID"),
    ...credentials,
  });
  const target = { baseUrl: setting("API_URL"), token };
  const deposit = await depositReplayCheck(target);
  console.log(JSON.stringify({ message: "deposit replay check passed", ...deposit }));
  const card = await cardPaymentCheck(target);
  console.log(JSON.stringify({ message: "card payment check passed", ...card }));
}
