import { decodeJwt, decodeProtectedHeader } from "jose";
import {
  DEFAULT_LOCAL_JWT_AUDIENCE,
  DEFAULT_LOCAL_JWT_ISSUER,
  signLocalToken,
} from "../../../lib/local/jwt";
import { parseLocalEnvironment } from "../../../lib/local/local-environment";

// What `npm run token` and the tests sign, and the local settings that must
// match it.

const SECRET = "local-token-unit-tests-secret-of-32-chars";

describe("signLocalToken", () => {
  it("signs an HS256 token for the default issuer and audience, valid for an hour", async () => {
    // Act
    const token = await signLocalToken("alice", SECRET);

    // Assess
    const claims = decodeJwt(token);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
    expect(claims).toMatchObject({
      sub: "alice",
      iss: DEFAULT_LOCAL_JWT_ISSUER,
      aud: DEFAULT_LOCAL_JWT_AUDIENCE,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });

  it("signs for the issuer, audience and lifetime it is given", async () => {
    // Act
    const claims = decodeJwt(
      await signLocalToken("alice", SECRET, {
        issuer: "https://issuer.example.com",
        audience: "orders-api",
        ttlSeconds: -60,
      }),
    );

    // Assess
    expect(claims).toMatchObject({ iss: "https://issuer.example.com", aud: "orders-api" });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(-60);
  });
});

describe("JWT_ISSUER and JWT_AUDIENCE", () => {
  it("default to what signLocalToken signs", () => {
    // Act
    const settings = parseLocalEnvironment({});

    // Assess
    expect(settings.JWT_ISSUER).toBe(DEFAULT_LOCAL_JWT_ISSUER);
    expect(settings.JWT_AUDIENCE).toBe(DEFAULT_LOCAL_JWT_AUDIENCE);
  });

  it("fall back to their defaults when empty, like every local setting", () => {
    // Act
    const settings = parseLocalEnvironment({ JWT_ISSUER: "", JWT_AUDIENCE: "" });

    // Assess
    expect(settings.JWT_ISSUER).toBe(DEFAULT_LOCAL_JWT_ISSUER);
    expect(settings.JWT_AUDIENCE).toBe(DEFAULT_LOCAL_JWT_AUDIENCE);
  });

  it("take the values given", () => {
    // Act
    const settings = parseLocalEnvironment({
      JWT_ISSUER: "https://issuer.example.com",
      JWT_AUDIENCE: "orders-api",
    });

    // Assess
    expect(settings.JWT_ISSUER).toBe("https://issuer.example.com");
    expect(settings.JWT_AUDIENCE).toBe("orders-api");
  });

  it("refuse blank values, naming the variables", () => {
    // Act & assess
    expect(() => parseLocalEnvironment({ JWT_ISSUER: "  ", JWT_AUDIENCE: " " })).toThrow(
      /JWT_ISSUER.*JWT_AUDIENCE/,
    );
  });
});
