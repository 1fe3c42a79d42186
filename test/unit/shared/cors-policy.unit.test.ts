import {
  CORS_ALLOW_ORIGINS_ENV,
  corsPolicyFromEnvironment,
  DEFAULT_CORS_ALLOW_ORIGINS,
} from "../../../functions/shared/http/cors-policy";

const withOrigins = (value: string | undefined) =>
  corsPolicyFromEnvironment(value === undefined ? {} : { [CORS_ALLOW_ORIGINS_ENV]: value });

describe("CORS_ALLOW_ORIGINS", () => {
  it("defaults to any origin when unset or empty", () => {
    expect(withOrigins(undefined).allowOrigins).toEqual(DEFAULT_CORS_ALLOW_ORIGINS);
    expect(withOrigins(" , ").allowOrigins).toEqual(DEFAULT_CORS_ALLOW_ORIGINS);
  });

  it("takes origins as a browser sends them, comma-separated", () => {
    expect(withOrigins("https://app.example.com, http://localhost:5173").allowOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    expect(withOrigins("*").allowOrigins).toEqual(["*"]);
  });

  it.each(["https://app.example.com/", "https://app.example.com/path", "app.example.com"])(
    "refuses %s at start, naming the variable: it could never match an Origin header",
    (value) => {
      expect(() => withOrigins(value)).toThrow(
        /^Invalid CORS settings: CORS_ALLOW_ORIGINS: each origin must be \* or scheme:\/\/host\[:port\], without a path$/,
      );
    },
  );
});
