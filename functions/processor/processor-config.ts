import * as z from "zod";
import { parseEnvironment } from "../shared/environment";

/**
 * The payment processor's environment, parsed where it is used: the routes
 * that call the processor need its URL and API key, the webhook route needs
 * only the signing secret. A bad value stops the function at cold start with
 * the variable's name (never its value: these are secrets).
 */

// `PAYMENT_PROCESSOR_URL=` means "unset" (Stripe's own API), not an invalid URL.
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

export const processorEnvironmentSchema = z.object({
  /** A base URL such as `http://127.0.0.1:12111` (the emulator); unset: Stripe's own API. */
  PAYMENT_PROCESSOR_URL: z.preprocess(
    unsetIfEmpty,
    z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  ),
  /** A secret key, `sk_test_…` in test mode. */
  PAYMENT_PROCESSOR_API_KEY: z.string().trim().min(1),
});

/** The variable that names the processor's secret on AWS (the stack sets it; unset locally). */
export const PROCESSOR_SECRET_ARN_ENV = "PAYMENT_PROCESSOR_SECRET_ARN";

/** Where the API key and the webhook secret are on AWS: a Secrets Manager secret's ARN. */
export const processorSecretEnvironmentSchema = z.object({
  [PROCESSOR_SECRET_ARN_ENV]: z.preprocess(
    unsetIfEmpty,
    z.string().startsWith("arn:", { error: "must be a secret's ARN" }).optional(),
  ),
});

const webhookEnvironmentSchema = z.object({
  /** The endpoint's signing secret, `whsec_…`. */
  PAYMENT_PROCESSOR_WEBHOOK_SECRET: z.string().trim().min(1),
});

export interface ProcessorConfig {
  /** @default undefined: Stripe's own API */
  readonly url: string | undefined;
  readonly apiKey: string;
}

/** The processor's URL and API key, or one error naming each bad variable. */
export function loadProcessorConfig(environment: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  const parsed = parseEnvironment(
    processorEnvironmentSchema,
    environment,
    "Invalid payment processor environment",
  );
  return { url: parsed.PAYMENT_PROCESSOR_URL, apiKey: parsed.PAYMENT_PROCESSOR_API_KEY };
}

/** The webhook signing secret, or an error naming the variable. */
export function loadWebhookSecret(environment: NodeJS.ProcessEnv = process.env): string {
  return parseEnvironment(
    webhookEnvironmentSchema,
    environment,
    "Invalid payment processor environment",
  ).PAYMENT_PROCESSOR_WEBHOOK_SECRET;
}
