import { parseCanaryCredentials } from "../../../lib/canary/canary-credentials";
import { cognitoAccessToken } from "../../../lib/canary/cognito-token";

const login = {
  region: "eu-west-1",
  clientId: "client-1",
  username: "payments-canary",
  password: "Secret-Password-1!",
};

/** A fetch that answers `body` with `status` and records what it was sent. */
function cognitoAnswering(status: number, body: unknown) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fake: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), init });
    return new Response(JSON.stringify(body), { status });
  };
  return { fake, calls };
}

describe("the canary's Cognito sign-in", () => {
  it("asks the region's Cognito for an access token with the password flow of its client", async () => {
    // Prepare
    const { fake, calls } = cognitoAnswering(200, {
      AuthenticationResult: { AccessToken: "access-token", IdToken: "id-token" },
    });

    // Act
    const token = await cognitoAccessToken(login, fake);

    // Assess
    expect(token).toBe("access-token");
    expect(calls[0]?.url).toBe("https://cognito-idp.eu-west-1.amazonaws.com/");
    expect(calls[0]?.init?.headers).toMatchObject({
      "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
    });
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: "client-1",
      AuthParameters: { USERNAME: "payments-canary", PASSWORD: "Secret-Password-1!" },
    });
  });

  it.each([
    [
      "a refusal",
      400,
      { __type: "NotAuthorizedException", message: "Incorrect username or password." },
      "NotAuthorizedException",
    ],
    [
      "a challenge",
      200,
      { ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s" },
      "SOFTWARE_TOKEN_MFA",
    ],
  ])("fails on %s, naming it and never the password", async (_name, status, body, named) => {
    // Prepare
    const { fake } = cognitoAnswering(status, body);

    // Act
    const failure = await cognitoAccessToken(login, fake).catch((error: Error) => error);

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain(named);
    expect((failure as Error).message).not.toContain(login.password);
  });
});

describe("the canary's secret", () => {
  it("holds a username and a password", () => {
    expect(parseCanaryCredentials('{"username":"u","password":"p"}')).toEqual({
      username: "u",
      password: "p",
    });
    expect(() => parseCanaryCredentials('{"username":"u"}')).toThrow("username and a password");
    expect(() => parseCanaryCredentials(undefined)).toThrow("username and a password");
  });
});
