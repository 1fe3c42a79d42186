import {
  loadProcessorCredentials,
  loadWebhookSigningSecret,
  parseProcessorSecret,
  type SecretFetcher,
} from "../../../functions/processor/processor-secret";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:processor-AbCdEf";
const API_KEY = "sk_test_51HiddenKeyValue";
const WEBHOOK_SECRET = "whsec_HiddenSigningValue";

/** A fetcher that answers `value` for SECRET_ARN and records what it was asked. */
function fetcherOf(value: unknown): SecretFetcher & { readonly asked: string[] } {
  const asked: string[] = [];
  const fetch = async (secretArn: string) => {
    asked.push(secretArn);
    if (secretArn !== SECRET_ARN) throw new Error(`no secret ${secretArn}`);
    return value;
  };
  return Object.assign(fetch, { asked });
}

const stored = JSON.stringify({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET });
const never: SecretFetcher = async () => {
  throw new Error("the secret must not be read");
};

describe("loadProcessorCredentials", () => {
  it("reads the URL and the key from the environment without a secret ARN (locally, in tests)", async () => {
    await expect(
      loadProcessorCredentials(
        {
          PAYMENT_PROCESSOR_URL: "http://127.0.0.1:12111",
          PAYMENT_PROCESSOR_API_KEY: "sk_test_local",
        },
        never,
      ),
    ).resolves.toEqual({ url: "http://127.0.0.1:12111", apiKey: "sk_test_local" });
  });

  it("treats an empty secret ARN as unset", async () => {
    await expect(
      loadProcessorCredentials(
        { PAYMENT_PROCESSOR_SECRET_ARN: "", PAYMENT_PROCESSOR_API_KEY: "sk_test_local" },
        never,
      ),
    ).resolves.toEqual({ url: undefined, apiKey: "sk_test_local" });
  });

  it("takes the key from the secret the ARN names, and the URL from the environment (unset on AWS)", async () => {
    const fetch = fetcherOf(stored);

    await expect(
      loadProcessorCredentials({ PAYMENT_PROCESSOR_SECRET_ARN: SECRET_ARN }, fetch),
    ).resolves.toEqual({ url: undefined, apiKey: API_KEY });
    await expect(
      loadProcessorCredentials(
        {
          PAYMENT_PROCESSOR_SECRET_ARN: SECRET_ARN,
          PAYMENT_PROCESSOR_URL: "https://stripe.internal.example.com",
          PAYMENT_PROCESSOR_API_KEY: "sk_test_ignored",
        },
        fetch,
      ),
    ).resolves.toEqual({ url: "https://stripe.internal.example.com", apiKey: API_KEY });
    expect(fetch.asked).toEqual([SECRET_ARN, SECRET_ARN]);
  });

  it("refuses a secret ARN that is not an ARN, naming the variable", async () => {
    await expect(
      loadProcessorCredentials({ PAYMENT_PROCESSOR_SECRET_ARN: "processor" }, never),
    ).rejects.toThrow(/PAYMENT_PROCESSOR_SECRET_ARN: must be a secret's ARN/);
  });

  it("passes a failed read on (the processor is built again on the next call)", async () => {
    const failing: SecretFetcher = async () => {
      throw new Error("AccessDeniedException");
    };
    await expect(
      loadProcessorCredentials({ PAYMENT_PROCESSOR_SECRET_ARN: SECRET_ARN }, failing),
    ).rejects.toThrow("AccessDeniedException");
  });
});

describe("loadWebhookSigningSecret", () => {
  it("reads PAYMENT_PROCESSOR_WEBHOOK_SECRET without a secret ARN", async () => {
    await expect(
      loadWebhookSigningSecret({ PAYMENT_PROCESSOR_WEBHOOK_SECRET: "whsec_local" }, never),
    ).resolves.toBe("whsec_local");
    await expect(loadWebhookSigningSecret({}, never)).rejects.toThrow(
      /PAYMENT_PROCESSOR_WEBHOOK_SECRET/,
    );
  });

  it("takes the signing secret from the secret the ARN names", async () => {
    await expect(
      loadWebhookSigningSecret(
        { PAYMENT_PROCESSOR_SECRET_ARN: SECRET_ARN, PAYMENT_PROCESSOR_WEBHOOK_SECRET: "whsec_no" },
        fetcherOf(stored),
      ),
    ).resolves.toBe(WEBHOOK_SECRET);
  });
});

describe("a malformed secret", () => {
  /** The error's message, which must never carry the secret's value. */
  async function messageOf(value: unknown): Promise<string> {
    const error: unknown = await loadProcessorCredentials(
      { PAYMENT_PROCESSOR_SECRET_ARN: SECRET_ARN },
      fetcherOf(value),
    ).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
  }

  it("still the generated placeholder (not JSON): says what to put in it, never quoting it", async () => {
    const message = await messageOf("Xy7placeholderQ2");
    expect(message).toMatch(/not JSON .*\{"apiKey":"sk_…","webhookSecret":"whsec_…"\}/);
    expect(message).not.toContain("placeholderQ2");
  });

  it.each([
    ["the webhook secret missing", { apiKey: API_KEY }, /webhookSecret: /],
    ["the API key missing", { webhookSecret: WEBHOOK_SECRET }, /apiKey: /],
    [
      "the two swapped",
      { apiKey: WEBHOOK_SECRET, webhookSecret: API_KEY },
      /apiKey: must be a Stripe secret or restricted key .*webhookSecret: must be a webhook signing secret/,
    ],
    [
      "a publishable key",
      { apiKey: "pk_test_51Public", webhookSecret: WEBHOOK_SECRET },
      /apiKey: /,
    ],
    ["a number", { apiKey: 42, webhookSecret: WEBHOOK_SECRET }, /apiKey: /],
  ])("with %s: names the field, never a value", async (_, value, expected) => {
    const message = await messageOf(JSON.stringify(value));
    expect(message).toMatch(/^Invalid payment processor secret: /);
    expect(message).toMatch(expected);
    for (const secret of [API_KEY, WEBHOOK_SECRET, "pk_test_51Public", "42"]) {
      expect(message).not.toContain(secret);
    }
  });

  it("a JSON value that is not an object, or a binary secret: refused", async () => {
    expect(await messageOf(JSON.stringify("sk_test_51HiddenKeyValue"))).toMatch(
      /^Invalid payment processor secret: \(the value\): /,
    );
    expect(await messageOf(new Uint8Array([1, 2]))).toMatch(/no text value/);
  });

  it("parses a well-formed one, trimming stray whitespace", () => {
    expect(
      parseProcessorSecret(
        JSON.stringify({ apiKey: ` ${API_KEY}\n`, webhookSecret: WEBHOOK_SECRET }),
      ),
    ).toEqual({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET });
  });
});
