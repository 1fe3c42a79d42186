import * as z from "zod";
import { describeIssues } from "../functions/shared/environment";
import { CORS_ORIGIN_RULE, isCorsOrigin } from "../functions/shared/http/cors-policy";
import { MIN_CALLER_RATE_LIMIT, RATE_LIMIT_WINDOWS_SECONDS } from "./constructs/caller-rate-limit";
import type { PaymentsSettings } from "./payments-stack";

/**
 * The stack's settings from CDK context (`cdk.json`, or `-c name=value` on
 * the command line, where every value is a string), validated once: a typo
 * fails `cdk synth` with the setting's name instead of deploying a default.
 */

const commaList = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  )
  .pipe(z.array(z.string()).min(1));

/** `{"team":"payments"}` (JSON) or `team=payments,env=dev`. */
const tagMap = z.union([
  z.record(z.string(), z.string()),
  z
    .string()
    .transform((text, context) => {
      const trimmed = text.trim();
      if (trimmed.startsWith("{")) {
        try {
          return JSON.parse(trimmed) as unknown;
        } catch {
          context.addIssue({ code: "custom", message: "tags: not valid JSON" });
          return z.NEVER;
        }
      }
      return Object.fromEntries(
        commaList.parse(trimmed).map((pair) => {
          const at = pair.indexOf("=");
          return at > 0 ? [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] : [pair, ""];
        }),
      );
    })
    .pipe(z.record(z.string().min(1), z.string())),
]);

export const stackContextSchema = z
  .object({
    /** Another OpenID Connect issuer instead of the stack's Cognito user pool (with jwtAudience). */
    jwtIssuer: z.url().optional(),
    /** The audiences its tokens may carry, comma-separated. */
    jwtAudience: commaList.optional(),
    throttleRateLimit: z.coerce.number().positive().optional(),
    throttleBurstLimit: z.coerce.number().int().positive().optional(),
    /** Browser origins, comma-separated, or `*`. */
    corsAllowOrigins: commaList
      .refine((origins) => origins.every(isCorsOrigin), CORS_ORIGIN_RULE)
      .optional(),
    mfa: z.enum(["off", "optional", "required"]).optional(),
    threatProtection: z.enum(["off", "audit", "enforced"]).optional(),
    alarmEmail: z.email().optional(),
    /** Tags on every resource. */
    tags: tagMap.optional(),
    /** Days the event bus's archive keeps events; 0 forever. */
    eventArchiveRetentionDays: z.coerce.number().int().min(0).optional(),
    /** `false` leaves the synthetic check (the canary) out. */
    syntheticCheck: z
      .union([z.boolean(), z.enum(["true", "false"]).transform((text) => text === "true")])
      .optional(),
    syntheticCheckRateMinutes: z.coerce.number().int().min(1).max(60).optional(),
    /** Requests per window per bearer token at the edge (WAF); 0 leaves the web ACL out. */
    callerRateLimit: z.coerce
      .number()
      .int()
      .min(0)
      .refine((limit) => limit === 0 || limit >= MIN_CALLER_RATE_LIMIT, {
        message: `0 (no web ACL) or at least ${MIN_CALLER_RATE_LIMIT}, WAF's minimum`,
      })
      .optional(),
    callerRateLimitWindowSeconds: z.coerce
      .number()
      .pipe(z.literal(RATE_LIMIT_WINDOWS_SECONDS))
      .optional(),
    /** Reserved concurrency of each route's function; 0 reserves none. */
    reservedConcurrency: z.coerce.number().int().min(0).optional(),
    /** Each table's on-demand maximum, in request units per second; 0 sets none. */
    tableMaxReadRequestUnits: z.coerce.number().int().min(0).optional(),
    tableMaxWriteRequestUnits: z.coerce.number().int().min(0).optional(),
    /** Seconds before the reconciler resumes an unsettled card payment (the handler's bounds). */
    reconcileAfterSeconds: z.coerce.number().int().min(0).max(3_600).optional(),
  })
  .refine((context) => (context.jwtIssuer === undefined) === (context.jwtAudience === undefined), {
    message: "jwtIssuer and jwtAudience go together",
  });

export type StackContext = z.output<typeof stackContextSchema>;

/** The context names the schema reads. */
export const STACK_CONTEXT_KEYS = Object.keys(stackContextSchema.shape) as (keyof StackContext)[];

/** The stack's props from context values (`tryGetContext` for each key), or an error naming every bad one. */
export function stackPropsFromContext(read: (key: string) => unknown): PaymentsSettings {
  const values = Object.fromEntries(
    STACK_CONTEXT_KEYS.map((key) => [key, read(key)]).filter(([, value]) => value !== undefined),
  );
  const parsed = stackContextSchema.safeParse(values);
  if (!parsed.success) {
    throw new Error(`Invalid CDK context: ${describeIssues(parsed.error, "context")}`);
  }
  const context = parsed.data;
  return {
    ...(context.jwtIssuer && context.jwtAudience
      ? { externalIssuer: { issuer: context.jwtIssuer, audience: context.jwtAudience } }
      : {}),
    ...(context.throttleRateLimit !== undefined
      ? { throttleRateLimit: context.throttleRateLimit }
      : {}),
    ...(context.throttleBurstLimit !== undefined
      ? { throttleBurstLimit: context.throttleBurstLimit }
      : {}),
    ...(context.corsAllowOrigins ? { corsAllowOrigins: context.corsAllowOrigins } : {}),
    ...(context.mfa ? { mfa: context.mfa } : {}),
    ...(context.threatProtection ? { threatProtection: context.threatProtection } : {}),
    ...(context.alarmEmail ? { alarmEmail: context.alarmEmail } : {}),
    ...(context.tags ? { resourceTags: context.tags } : {}),
    ...(context.eventArchiveRetentionDays !== undefined
      ? { eventArchiveRetentionDays: context.eventArchiveRetentionDays }
      : {}),
    ...(context.syntheticCheck !== undefined ? { syntheticCheck: context.syntheticCheck } : {}),
    ...(context.syntheticCheckRateMinutes !== undefined
      ? { syntheticCheckRateMinutes: context.syntheticCheckRateMinutes }
      : {}),
    ...(context.callerRateLimit !== undefined ? { callerRateLimit: context.callerRateLimit } : {}),
    ...(context.callerRateLimitWindowSeconds !== undefined
      ? { callerRateLimitWindowSeconds: context.callerRateLimitWindowSeconds }
      : {}),
    ...(context.reservedConcurrency !== undefined
      ? { reservedConcurrency: context.reservedConcurrency }
      : {}),
    ...(context.tableMaxReadRequestUnits !== undefined
      ? { tableMaxReadRequestUnits: context.tableMaxReadRequestUnits }
      : {}),
    ...(context.tableMaxWriteRequestUnits !== undefined
      ? { tableMaxWriteRequestUnits: context.tableMaxWriteRequestUnits }
      : {}),
    ...(context.reconcileAfterSeconds !== undefined
      ? { reconcileAfterSeconds: context.reconcileAfterSeconds }
      : {}),
  };
}
