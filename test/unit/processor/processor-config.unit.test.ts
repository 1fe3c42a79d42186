import {
  loadProcessorConfig,
  loadWebhookSecret,
} from "../../../functions/processor/processor-config";

describe("loadProcessorConfig", () => {
  it("reads the URL and the key; an empty or absent URL means Stripe's own API", () => {
    expect(
      loadProcessorConfig({
        PAYMENT_PROCESSOR_URL: "http://127.0.0.1:12111",
        PAYMENT_PROCESSOR_API_KEY: "sk_test_local",
      }),
    ).toEqual({ url: "http://127.0.0.1:12111", apiKey: "sk_test_local" });
    expect(
      loadProcessorConfig({ PAYMENT_PROCESSOR_URL: "", PAYMENT_PROCESSOR_API_KEY: "k" }).url,
    ).toBe(undefined);
  });

  it("names each bad variable, never the secret's value", () => {
    const load = () =>
      loadProcessorConfig({
        PAYMENT_PROCESSOR_URL: "ftp://example.com",
        PAYMENT_PROCESSOR_API_KEY: " ",
      });
    expect(load).toThrow(/PAYMENT_PROCESSOR_URL: .*PAYMENT_PROCESSOR_API_KEY/);
  });
});

describe("loadWebhookSecret", () => {
  it("reads the secret, or names the variable when it is missing", () => {
    expect(loadWebhookSecret({ PAYMENT_PROCESSOR_WEBHOOK_SECRET: "whsec_x" })).toBe("whsec_x");
    expect(() => loadWebhookSecret({})).toThrow(/PAYMENT_PROCESSOR_WEBHOOK_SECRET/);
  });
});
