import type { TokenRules } from "../../../functions/authorizer/token-verifier";
import { authorizeBearerToken } from "../../../lib/local/gateway/authorizer";
import { localJwtKey, signLocalToken } from "../../../lib/local/jwt";
import {
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  nowInSeconds,
  signClaims,
  signRawPayload,
  validClaims,
} from "../../support/jwt-fixtures";

// The local JWT authorizer on its own: header lines in, authorizer context or
// rejection out. No network.

const SECRET = "authorizer-unit-tests-secret-of-32-chars-at-least";
const rules: TokenRules = {
  key: localJwtKey(SECRET),
  issuer: FIXTURE_ISSUER,
  audience: FIXTURE_AUDIENCE,
};

async function authorize(
  token: string,
  tokenRules: TokenRules = rules,
): Promise<{ claims: Record<string, string> } | { tokenSent: boolean }> {
  const result = await authorizeBearerToken([`Bearer ${token}`], tokenRules);
  return result.ok ? { claims: result.claims } : { tokenSent: result.tokenSent };
}

const REFUSED = { tokenSent: true };
const ACCEPTED = { claims: expect.any(Object) };

/** The valid claims as JSON with one claim written as a raw JSON literal. */
function payloadWithLiteral(claim: string, literal: string): string {
  const { [claim]: _replaced, ...others } = validClaims();
  return `${JSON.stringify(others).slice(0, -1)},"${claim}":${literal}}`;
}

// Margins far beyond the allowed clock skew (5 s), so timing cannot flip them.
const FAR = 120;

describe("the Authorization header", () => {
  it.each([
    ["no header", undefined],
    ["an empty header", [""]],
    ["another scheme", ["Basic YWxpY2U6c2VjcmV0"]],
    ["Bearer without a token", ["Bearer   "]],
  ])("is refused without an invalid_token challenge for %s", async (_name, lines) => {
    // Act
    const result = await authorizeBearerToken(lines, rules);

    // Assess
    expect(result).toMatchObject({ ok: false, tokenSent: false });
  });

  it("is refused as an invalid token when sent twice, even with two valid tokens", async () => {
    // Prepare
    const lines = [
      `Bearer ${await signLocalToken("alice", SECRET)}`,
      `Bearer ${await signLocalToken("bob", SECRET)}`,
    ];

    // Act
    const result = await authorizeBearerToken(lines, rules);

    // Assess
    expect(result).toMatchObject({ ok: false, tokenSent: true });
  });

  it("accepts the scheme in any case", async () => {
    // Prepare
    const token = await signLocalToken("alice", SECRET);

    // Act
    const result = await authorizeBearerToken([`bearer ${token}`], rules);

    // Assess
    expect(result.ok).toBe(true);
  });
});

describe("a valid token", () => {
  it("becomes the Cognito authorizer's context: every claim as a string", async () => {
    // Prepare
    const token = await signClaims(SECRET, { scope: "read write", roles: ["a", "b"] });

    // Act
    const result = await authorize(token);

    // Assess
    expect(result).toEqual({
      claims: {
        sub: "alice",
        iss: FIXTURE_ISSUER,
        aud: FIXTURE_AUDIENCE,
        iat: expect.stringMatching(/^\d+$/),
        exp: expect.stringMatching(/^\d+$/),
        scope: "read write",
        roles: "[a b]",
      },
    });
  });

  it("is what signLocalToken signs, by default", async () => {
    // Act
    const result = await authorize(await signLocalToken("alice", SECRET));

    // Assess
    expect(result).toMatchObject({ claims: { sub: "alice" } });
  });
});

describe("the signature", () => {
  it("is refused when made with another secret", async () => {
    // Act & assess
    expect(await authorize(await signClaims("another-secret-of-at-least-32-characters"))).toEqual(
      REFUSED,
    );
  });

  it("is refused when the token is not a JWT", async () => {
    // Act & assess
    expect(await authorize("not-a-jwt")).toEqual(REFUSED);
  });
});

describe("the issuer", () => {
  it.each([
    ["another issuer", { iss: "https://someone-else.example.com" }],
    ["no issuer", { iss: undefined }],
    ["an issuer in a list", { iss: [FIXTURE_ISSUER] }],
    ["the issuer with another case", { iss: FIXTURE_ISSUER.toUpperCase() }],
  ])("is refused with %s", async (_name, overrides) => {
    // Act & assess
    expect(await authorize(await signClaims(SECRET, overrides))).toEqual(REFUSED);
  });

  it("is the configured one", async () => {
    // Prepare
    const configured = { ...rules, issuer: "https://issuer.example.com" };
    const token = await signClaims(SECRET, { iss: "https://issuer.example.com" });

    // Act & assess
    expect(await authorize(token, configured)).toMatchObject(ACCEPTED);
    expect(await authorize(await signClaims(SECRET), configured)).toEqual(REFUSED);
  });
});

describe("the audience", () => {
  it.each([
    ["another audience", { aud: "another-api" }],
    ["no audience", { aud: undefined }],
    ["an empty list", { aud: [] }],
    ["a list without it", { aud: ["another-api", "a-third-api"] }],
  ])("is refused with %s", async (_name, overrides) => {
    // Act & assess
    expect(await authorize(await signClaims(SECRET, overrides))).toEqual(REFUSED);
  });

  it("is accepted among others in a list", async () => {
    // Prepare
    const token = await signClaims(SECRET, { aud: ["another-api", FIXTURE_AUDIENCE] });

    // Act & assess
    expect(await authorize(token)).toMatchObject(ACCEPTED);
  });
});

describe("the subject", () => {
  it.each([
    ["no sub", { sub: undefined }],
    ["an empty sub", { sub: "" }],
  ])("is refused with %s", async (_name, overrides) => {
    // Act & assess
    expect(await authorize(await signClaims(SECRET, overrides))).toEqual(REFUSED);
  });
});

describe("exp", () => {
  it.each([
    ["missing", async () => signClaims(SECRET, { exp: undefined })],
    ["in the past", async () => signClaims(SECRET, { exp: nowInSeconds() - FAR })],
    ["1e300", async () => signClaims(SECRET, { exp: 1e300 })],
    ["after the year 9999", async () => signClaims(SECRET, { exp: 253_402_300_800 })],
    ["not an integer", async () => signClaims(SECRET, { exp: nowInSeconds() + 3600.5 })],
    ["a string", async () => signClaims(SECRET, { exp: String(nowInSeconds() + 3600) })],
    [
      "1e400 (Infinity once parsed)",
      async () => signRawPayload(SECRET, payloadWithLiteral("exp", "1e400")),
    ],
  ])("is refused when %s", async (_name, makeToken) => {
    // Act & assess
    expect(await authorize(await makeToken())).toEqual(REFUSED);
  });

  it.each([
    ["the last second of the year 9999", 253_402_300_799],
    ["a second ago, within the allowed clock skew", nowInSeconds() - 1],
  ])("is accepted at %s", async (_name, exp) => {
    // Act & assess
    expect(await authorize(await signClaims(SECRET, { exp }))).toMatchObject(ACCEPTED);
  });
});

describe("nbf", () => {
  it.each([
    ["in the future", async () => signClaims(SECRET, { nbf: nowInSeconds() + FAR })],
    [
      "1e400 (Infinity once parsed)",
      async () => signRawPayload(SECRET, payloadWithLiteral("nbf", "1e400")),
    ],
    [
      "-1e400 (-Infinity once parsed)",
      async () => signRawPayload(SECRET, payloadWithLiteral("nbf", "-1e400")),
    ],
    ["a string", async () => signClaims(SECRET, { nbf: String(nowInSeconds()) })],
  ])("is refused when %s", async (_name, makeToken) => {
    // Act & assess
    expect(await authorize(await makeToken())).toEqual(REFUSED);
  });

  it.each([
    ["in the past", () => nowInSeconds() - FAR],
    ["a second ahead, within the allowed clock skew", () => nowInSeconds() + 1],
  ])("is accepted %s", async (_name, nbf) => {
    // Act & assess
    expect(await authorize(await signClaims(SECRET, { nbf: nbf() }))).toMatchObject(ACCEPTED);
  });
});

describe("iat", () => {
  it.each([
    ["in the future", async () => signClaims(SECRET, { iat: nowInSeconds() + FAR })],
    ["far in the future", async () => signClaims(SECRET, { iat: 253_402_300_799 })],
    [
      "1e400 (Infinity once parsed)",
      async () => signRawPayload(SECRET, payloadWithLiteral("iat", "1e400")),
    ],
    [
      "-1e400 (-Infinity once parsed)",
      async () => signRawPayload(SECRET, payloadWithLiteral("iat", "-1e400")),
    ],
    ["a string", async () => signClaims(SECRET, { iat: String(nowInSeconds()) })],
  ])("is refused when %s", async (_name, makeToken) => {
    // Act & assess
    expect(await authorize(await makeToken())).toEqual(REFUSED);
  });

  it.each([
    ["in the past", () => nowInSeconds() - FAR],
    ["a second ahead, within the allowed clock skew", () => nowInSeconds() + 1],
  ])("is accepted %s", async (_name, iat) => {
    // Act & assess
    expect(await authorize(await signClaims(SECRET, { iat: iat() }))).toMatchObject(ACCEPTED);
  });

  it("is not required", async () => {
    // Act & assess
    expect(await authorize(await signClaims(SECRET, { iat: undefined }))).toMatchObject(ACCEPTED);
  });
});

describe("a raw payload signed outside jose", () => {
  it("is accepted when its claims are valid: the fixture itself is sound", async () => {
    // Act & assess
    expect(await authorize(signRawPayload(SECRET, JSON.stringify(validClaims())))).toMatchObject(
      ACCEPTED,
    );
  });
});
