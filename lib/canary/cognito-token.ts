export interface PasswordLogin {
  readonly region: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
}

interface InitiateAuthAnswer {
  readonly AuthenticationResult?: { readonly AccessToken?: string };
  readonly ChallengeName?: string;
  readonly __type?: string;
}

/**
 * A Cognito access token for a user pool user by the USER_PASSWORD_AUTH
 * flow. InitiateAuth is one of Cognito's public operations (no AWS
 * signature), so plain fetch does. Errors name Cognito's error type, never
 * the password.
 */
export async function cognitoAccessToken(
  login: PasswordLogin,
  send: typeof fetch = fetch,
): Promise<string> {
  const response = await send(`https://cognito-idp.${login.region}.amazonaws.com/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: login.clientId,
      AuthParameters: { USERNAME: login.username, PASSWORD: login.password },
    }),
  });
  const answer = (await response.json()) as InitiateAuthAnswer;
  const token = answer.AuthenticationResult?.AccessToken;
  if (response.ok && token) return token;
  const reason = answer.ChallengeName
    ? `a ${answer.ChallengeName} challenge (MFA required?)`
    : (answer.__type ?? `status ${response.status}`);
  throw new Error(`Cognito refused the canary's sign-in: ${reason}`);
}
