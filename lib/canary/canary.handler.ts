import { readCanaryCredentials } from "./canary-credentials";
import { cognitoAccessToken } from "./cognito-token";
import { depositReplayCheck } from "./deposit-replay-check";

/**
 * The CloudWatch Synthetics canary: signs in as its own Cognito user, then
 * runs the deposit replay check against the deployed API. A thrown error
 * fails the run (SuccessPercent drops, the alarm notifies).
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
  const result = await depositReplayCheck({ baseUrl: setting("API_URL"), token });
  console.log(JSON.stringify({ message: "deposit replay check passed", ...result }));
}
