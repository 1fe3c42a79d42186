import { callRuntimeSdk } from "./runtime-sdk";

/** The canary's own Cognito user, as its secret holds it. */
export interface CanaryCredentials {
  readonly username: string;
  readonly password: string;
}

/** The secret's JSON (`{"username":…,"password":…}`), checked. */
export function parseCanaryCredentials(secretString: string | undefined): CanaryCredentials {
  const value = JSON.parse(secretString ?? "{}") as Partial<Record<string, unknown>>;
  if (typeof value.username !== "string" || typeof value.password !== "string") {
    throw new Error("The canary's secret must hold a username and a password");
  }
  return { username: value.username, password: value.password };
}

/** Reads the credentials from Secrets Manager (the runtime's SDK). */
export async function readCanaryCredentials(secretArn: string): Promise<CanaryCredentials> {
  const answer = (await callRuntimeSdk(
    require("@aws-sdk/client-secrets-manager"),
    "SecretsManagerClient",
    "GetSecretValueCommand",
    { SecretId: secretArn },
  )) as { SecretString?: string };
  return parseCanaryCredentials(answer.SecretString);
}
