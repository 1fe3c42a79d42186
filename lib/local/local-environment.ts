import * as z from "zod";
import { processorEnvironmentSchema } from "../../functions/processor/processor-config";
import { handlerEnvironmentSchema } from "../../functions/shared/config";
import { parseEnvironment } from "../../functions/shared/environment";
import {
  CORS_ORIGIN_RULE,
  corsOriginsOf,
  DEFAULT_CORS_ALLOW_ORIGINS,
  isCorsOrigin,
} from "../../functions/shared/http/cors-policy";
import {
  DEFAULT_LOCAL_JWT_AUDIENCE,
  DEFAULT_LOCAL_JWT_ISSUER,
  DEFAULT_LOCAL_JWT_SECRET,
} from "./jwt";
import {
  LOCAL_PROCESSOR_API_KEY,
  LOCAL_PROCESSOR_WEBHOOK_SECRET,
} from "./processor-emulator/processor-emulator";

/**
 * The environment of the local runner (`npm start`), validated once at
 * start-up so that a typo fails with the variable's name instead of a
 * confusing error from a handler later.
 */

// `PORT= npm start` means "unset", not 0: empty strings fall back to the default.
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema);

export const localEnvironmentSchema = z.object({
  /** 0 lets the OS choose a free port. */
  PORT: optional(z.coerce.number().int().min(0).max(65_535).default(3000)),
  /** An existing DynamoDB (Local); when unset, `npm start` starts its own. */
  DYNAMODB_ENDPOINT: optional(z.url().optional()),
  /** HS256 needs a key at least as long as the hash (RFC 7518): 32 bytes. */
  JWT_SECRET: optional(z.string().min(32).default(DEFAULT_LOCAL_JWT_SECRET)),
  /** The `iss` the gateway requires, as API Gateway's JWT authorizer is given one issuer. */
  JWT_ISSUER: optional(z.string().trim().min(1).default(DEFAULT_LOCAL_JWT_ISSUER)),
  /** The `aud` the gateway requires (a token's `aud` may list others besides). */
  JWT_AUDIENCE: optional(z.string().trim().min(1).default(DEFAULT_LOCAL_JWT_AUDIENCE)),
  // The handlers' own rule, so the runner refuses what they would refuse at import.
  IDEMPOTENCY_RETENTION_SECONDS: optional(
    handlerEnvironmentSchema.shape.IDEMPOTENCY_RETENTION_SECONDS,
  ),
  /** Browser origins CORS allows, comma-separated, as the stack's `corsAllowOrigins`. */
  CORS_ALLOW_ORIGINS: optional(
    z
      .string()
      .trim()
      .min(1)
      .refine((list) => corsOriginsOf(list).every(isCorsOrigin), CORS_ORIGIN_RULE)
      .default(DEFAULT_CORS_ALLOW_ORIGINS.join(",")),
  ),
  /** Lambda's timeout for every function: 900 s at most, as on AWS. */
  FUNCTION_TIMEOUT_SECONDS: optional(z.coerce.number().positive().max(900).default(10)),
  /**
   * Requests each caller (Authorization header, else client address) may
   * send per window, as the stack's WAF rule; 0 turns the limit off.
   */
  CALLER_RATE_LIMIT: optional(z.coerce.number().int().min(0).default(100_000)),
  CALLER_RATE_LIMIT_WINDOW_SECONDS: optional(z.coerce.number().int().min(1).default(60)),
  /** A payment processor (Stripe's test mode, an emulator elsewhere); unset: start the emulator. */
  PAYMENT_PROCESSOR_URL: optional(processorEnvironmentSchema.shape.PAYMENT_PROCESSOR_URL),
  /** The processor's API key; the emulator's fixed local key by default. */
  PAYMENT_PROCESSOR_API_KEY: optional(z.string().trim().min(1).default(LOCAL_PROCESSOR_API_KEY)),
  /** The webhook signing secret; the emulator's fixed local secret by default. */
  PAYMENT_PROCESSOR_WEBHOOK_SECRET: optional(
    z.string().trim().min(1).default(LOCAL_PROCESSOR_WEBHOOK_SECRET),
  ),
  /**
   * Whether this process publishes the outbox (on AWS a function of its own
   * does). Off for processes that share their tables with one that does:
   * each would publish every event again, on the CPU the API needs.
   */
  OUTBOX_PUBLISHER: optional(z.enum(["on", "off"]).default("on")),
  /** Seconds between reconciler runs (EventBridge Scheduler runs it every minute on AWS). */
  RECONCILER_INTERVAL_SECONDS: optional(z.coerce.number().positive().max(3_600).default(5)),
  /** Unsettled card payments and refunds younger than this are left to their requests' retries. */
  RECONCILE_AFTER_SECONDS: optional(z.coerce.number().int().min(0).max(3_600).default(15)),
  IDEMPOTENCY_TABLE_NAME: optional(z.string().min(1).default("payments-idempotency")),
  DATA_TABLE_NAME: optional(z.string().min(1).default("payments-data")),
});

export type LocalEnvironment = z.output<typeof localEnvironmentSchema>;

/** Parses the environment, or throws one message naming every bad variable. */
export function parseLocalEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
): LocalEnvironment {
  return parseEnvironment(
    localEnvironmentSchema,
    environment,
    "Invalid environment for the local API",
  );
}
