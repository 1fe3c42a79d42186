import { App } from "aws-cdk-lib";
import {
  CORS_ALLOW_ORIGINS_ENV,
  corsPolicyFromEnvironment,
  DEFAULT_CORS_ALLOW_ORIGINS,
} from "../../../functions/shared/http/cors-policy";
import { parseLocalEnvironment } from "../../../lib/local/local-environment";
import { PaymentsStack } from "../../../lib/payments-stack";
import { stackPropsFromContext } from "../../../lib/stack-context";

const withOrigins = (value: string | undefined) =>
  corsPolicyFromEnvironment(value === undefined ? {} : { [CORS_ALLOW_ORIGINS_ENV]: value });

/** Origins that could never match a browser's `Origin` header. */
const unmatchable = [
  "https://app.example.com/",
  "https://app.example.com/path",
  "app.example.com",
  "https://App.example.com",
  "https://app.example.com:443",
  "https://user@app.example.com",
  "https://*.example.com",
];
const RULE = /each origin must be \* or an origin as a browser sends it/;

describe("CORS origins", () => {
  it("default to any origin when unset or empty", () => {
    expect(withOrigins(undefined).allowOrigins).toEqual(DEFAULT_CORS_ALLOW_ORIGINS);
    expect(withOrigins(" , ").allowOrigins).toEqual(DEFAULT_CORS_ALLOW_ORIGINS);
  });

  it("are read as a browser sends them, comma-separated", () => {
    expect(withOrigins("https://app.example.com, http://localhost:5173").allowOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    expect(withOrigins("*").allowOrigins).toEqual(["*"]);
    expect(withOrigins("http://localhost:5173").allowOrigins).toEqual(["http://localhost:5173"]);
  });

  it.each(unmatchable)("%s is refused by the stack at synth, naming the setting", (origin) => {
    const context: Record<string, unknown> = {
      corsAllowOrigins: `https://ok.example.com,${origin}`,
    };
    expect(() => stackPropsFromContext((key) => context[key])).toThrow(RULE);
  });

  it.each(unmatchable)("%s is refused by the stack's props too, not only its context", (origin) => {
    const app = new App();
    expect(() => new PaymentsStack(app, "Cors", { corsAllowOrigins: [origin] })).toThrow(RULE);
  });

  it.each(unmatchable)("%s is refused by npm start at start", (origin) => {
    expect(() => parseLocalEnvironment({ CORS_ALLOW_ORIGINS: origin })).toThrow(RULE);
  });

  it.each(unmatchable)(
    "%s does not take a function down: every other client is still served",
    (origin) => {
      expect(withOrigins(origin).allowOrigins).toEqual([origin]);
    },
  );
});
