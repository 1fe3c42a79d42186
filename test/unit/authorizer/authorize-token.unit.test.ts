import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  type JWTVerifyGetKey,
  SignJWT,
} from "jose";
import { authorizeToken, UNAUTHORIZED } from "../../../functions/authorizer/authorize-token";
import type { TokenRules } from "../../../functions/authorizer/token-verifier";
import { principalFromAuthorizer } from "../../../functions/idempotency/http/http-event";
import { nowInSeconds } from "../../support/jwt-fixtures";

// The REST API's TOKEN authorizer for an external OpenID Connect issuer, with
// an RS256 key set of the test's own in place of the issuer's JWKS.

const ISSUER = "https://issuer.example.com";
const AUDIENCE = ["payments-api", "other-api"];
const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/POST/accounts";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

let privateKey: PrivateKey;
let keySet: JWTVerifyGetKey;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  privateKey = pair.privateKey;
  keySet = createLocalJWKSet({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "RS256" }],
  });
});

const rules = (): TokenRules => ({
  key: keySet,
  algorithms: ["RS256"],
  issuer: ISSUER,
  audience: AUDIENCE,
});

function sign(overrides: JWTPayload = {}, key: PrivateKey = privateKey): Promise<string> {
  const now = nowInSeconds();
  return new SignJWT({
    sub: "alice",
    iss: ISSUER,
    aud: "payments-api",
    iat: now,
    exp: now + 3600,
    scope: "payments/read payments/write",
    ...overrides,
  })
    .setProtectedHeader({ alg: "RS256", kid: "key-1" })
    .sign(key);
}

describe("a valid token", () => {
  it("is allowed on every method of the stage, with the claims as strings in the context", async () => {
    // Act
    const result = await authorizeToken(`Bearer ${await sign()}`, METHOD_ARN, rules());

    // Assess
    expect(result.principalId).toBe("alice");
    expect(result.policyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: "arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/*",
      },
    ]);
    expect(result.context).toMatchObject({
      sub: "alice",
      iss: ISSUER,
      exp: expect.stringMatching(/^\d+$/),
      scope: "payments/read payments/write",
    });
  });

  it("names the caller where the handlers read it", async () => {
    // Prepare: API Gateway puts the context beside principalId
    const result = await authorizeToken(`Bearer ${await sign()}`, METHOD_ARN, rules());
    const authorizer = {
      principalId: result.principalId,
      integrationLatency: 3,
      ...result.context,
    };

    // Act & assess
    expect(principalFromAuthorizer({ requestContext: { authorizer } })).toBe("alice");
  });

  it("may carry any one of the configured audiences", async () => {
    // Act
    const result = await authorizeToken(
      `Bearer ${await sign({ aud: ["unrelated", "other-api"] })}`,
      METHOD_ARN,
      rules(),
    );

    // Assess
    expect(result.principalId).toBe("alice");
  });
});

describe("a token API Gateway's JWT authorizer would refuse", () => {
  it.each<[string, () => Promise<string>]>([
    ["no token", async () => ""],
    ["another scheme", async () => `Basic ${Buffer.from("alice:pw").toString("base64")}`],
    ["not a JWT", async () => "Bearer not-a-jwt"],
    ["another issuer", async () => `Bearer ${await sign({ iss: "https://evil.example.com" })}`],
    ["another audience", async () => `Bearer ${await sign({ aud: "someone-else" })}`],
    ["expired", async () => `Bearer ${await sign({ exp: nowInSeconds() - 120 })}`],
    ["not yet valid (nbf)", async () => `Bearer ${await sign({ nbf: nowInSeconds() + 120 })}`],
    ["issued in the future", async () => `Bearer ${await sign({ iat: nowInSeconds() + 120 })}`],
    ["without exp", async () => `Bearer ${await sign({ exp: undefined })}`],
    ["without sub", async () => `Bearer ${await sign({ sub: undefined })}`],
    [
      "signed by another key",
      async () => {
        const stranger = await generateKeyPair("RS256");
        return `Bearer ${await sign({}, stranger.privateKey)}`;
      },
    ],
    [
      "an HMAC token (alg confusion)",
      async () => {
        const token = await new SignJWT({ sub: "alice", iss: ISSUER, aud: "payments-api" })
          .setProtectedHeader({ alg: "HS256", kid: "key-1" })
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode("x".repeat(32)));
        return `Bearer ${token}`;
      },
    ],
  ])("is refused as Unauthorized (401) when it is %s", async (_name, header) => {
    // Act & assess
    await expect(authorizeToken(await header(), METHOD_ARN, rules())).rejects.toThrow(
      new Error(UNAUTHORIZED),
    );
  });
});

describe("an issuer whose keys cannot be fetched", () => {
  it("fails the authorizer (API Gateway's 500), not the caller's token", async () => {
    // Prepare
    const unreachable: JWTVerifyGetKey = async () => {
      throw new TypeError("fetch failed");
    };

    // Act & assess
    await expect(
      authorizeToken(`Bearer ${await sign()}`, METHOD_ARN, { ...rules(), key: unreachable }),
    ).rejects.toThrow("fetch failed");
  });
});
