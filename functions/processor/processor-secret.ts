import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod";
import { describeIssues, parseEnvironment } from "../shared/environment";
import {
  loadProcessorConfig,
  loadWebhookSecret,
  PROCESSOR_SECRET_ARN_ENV,
  type ProcessorConfig,
  processorEnvironmentSchema,
  processorSecretEnvironmentSchema,
} from "./processor-config";

/**
 * The processor's API key and webhook signing secret, wherever they are: on
 * AWS in one Secrets Manager secret named by PAYMENT_PROCESSOR_SECRET_ARN
 * (JSON `{"apiKey":"sk_…","webhookSecret":"whsec_…"}`), locally and in tests
 * in the PAYMENT_PROCESSOR_* variables. Errors name the field or the
 * variable, never a value.
 */

/** Reads a secret's value by ARN. */
export type SecretFetcher = (secretArn: string) => Promise<unknown>;

/**
 * Seconds a fetched secret is reused before Secrets Manager is asked again:
 * one call per container per 5 minutes at most ($0.05 per 10,000), and a
 * changed secret reaches the webhook route within that time.
 */
export const PROCESSOR_SECRET_MAX_AGE_SECONDS = 300;

/** Powertools Parameters' getSecret, with its cache. */
const fetchCachedSecret: SecretFetcher = (secretArn) =>
  getSecret(secretArn, { maxAge: PROCESSOR_SECRET_MAX_AGE_SECONDS });

export const processorSecretSchema = z.object({
  apiKey: z
    .string()
    .trim()
    .regex(/^(sk|rk)_/, { error: "must be a Stripe secret or restricted key (sk_… or rk_…)" }),
  webhookSecret: z
    .string()
    .trim()
    .regex(/^whsec_/, { error: "must be a webhook signing secret (whsec_…)" }),
});

export type ProcessorSecret = z.output<typeof processorSecretSchema>;

const EXPECTED_SHAPE = '{"apiKey":"sk_…","webhookSecret":"whsec_…"}';

/** The secret's JSON, or an error that says what is wrong without quoting it. */
export function parseProcessorSecret(value: unknown): ProcessorSecret {
  if (typeof value !== "string") {
    throw new Error(
      `The payment processor's secret has no text value: put ${EXPECTED_SHAPE} in it.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    // JSON.parse's own message quotes the text: it is not passed on.
    throw new Error(
      `The payment processor's secret is not JSON (still the generated placeholder?): put ${EXPECTED_SHAPE} in it.`,
    );
  }
  const parsed = processorSecretSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `Invalid payment processor secret: ${describeIssues(parsed.error, "(the value)")}`,
    );
  }
  return parsed.data;
}

/** The secret's ARN when the environment names one. */
function secretArnOf(environment: NodeJS.ProcessEnv): string | undefined {
  return parseEnvironment(
    processorSecretEnvironmentSchema,
    environment,
    "Invalid payment processor environment",
  )[PROCESSOR_SECRET_ARN_ENV];
}

async function fetchProcessorSecret(
  secretArn: string,
  fetchSecret: SecretFetcher,
): Promise<ProcessorSecret> {
  return parseProcessorSecret(await fetchSecret(secretArn));
}

/**
 * The processor's URL and API key: the key from the secret when
 * PAYMENT_PROCESSOR_SECRET_ARN is set (the URL still from
 * PAYMENT_PROCESSOR_URL, unset on AWS: Stripe's own API), else both from the
 * environment.
 *
 * @param fetchSecret how the secret is read @default Powertools' getSecret, cached 300 s
 */
export async function loadProcessorCredentials(
  environment: NodeJS.ProcessEnv = process.env,
  fetchSecret: SecretFetcher = fetchCachedSecret,
): Promise<ProcessorConfig> {
  const secretArn = secretArnOf(environment);
  if (secretArn === undefined) return loadProcessorConfig(environment);
  const { PAYMENT_PROCESSOR_URL } = parseEnvironment(
    processorEnvironmentSchema.pick({ PAYMENT_PROCESSOR_URL: true }),
    environment,
    "Invalid payment processor environment",
  );
  const { apiKey } = await fetchProcessorSecret(secretArn, fetchSecret);
  return { url: PAYMENT_PROCESSOR_URL, apiKey };
}

/**
 * The webhook signing secret: from the secret when
 * PAYMENT_PROCESSOR_SECRET_ARN is set, else PAYMENT_PROCESSOR_WEBHOOK_SECRET.
 *
 * @param fetchSecret how the secret is read @default Powertools' getSecret, cached 300 s
 */
export async function loadWebhookSigningSecret(
  environment: NodeJS.ProcessEnv = process.env,
  fetchSecret: SecretFetcher = fetchCachedSecret,
): Promise<string> {
  const secretArn = secretArnOf(environment);
  if (secretArn === undefined) return loadWebhookSecret(environment);
  return (await fetchProcessorSecret(secretArn, fetchSecret)).webhookSecret;
}
