import * as z from "zod";
// The constant's own module, not the layer's index: a route without idempotency bundles none of it.
import { DEFAULT_RETENTION_SECONDS } from "../idempotency/core/constants";
import { parseEnvironment } from "./environment";

/**
 * The environment every handler reads, validated once at cold start: a
 * missing or malformed variable stops the function with a clear message
 * instead of failing on the first request.
 */
export const handlerEnvironmentSchema = z.object({
  IDEMPOTENCY_TABLE_NAME: z.string().min(1),
  DATA_TABLE_NAME: z.string().min(1),
  /** DynamoDB Local (or another endpoint); unset on AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** How long a key is bound to its request and its answer replayed: a minute to 30 days. */
  IDEMPOTENCY_RETENTION_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(DEFAULT_RETENTION_SECONDS),
  /**
   * `off` writes every deposit and transfer directly, retrying lost races:
   * the design before folding, kept to measure against (`npm run bench`).
   */
  MOVEMENT_FOLDING: z.enum(["on", "off"]).default("on"),
});

export type HandlerConfig = {
  readonly idempotencyTableName: string;
  readonly dataTableName: string;
  readonly dynamoDbEndpoint: string | undefined;
  readonly idempotencyRetentionSeconds: number;
  /** Contended deposits and transfers queue and fold (functions/movements). */
  readonly movementFolding: boolean;
};

export function loadHandlerConfig(environment: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const parsed = parseEnvironment(handlerEnvironmentSchema, environment);
  return {
    idempotencyTableName: parsed.IDEMPOTENCY_TABLE_NAME,
    dataTableName: parsed.DATA_TABLE_NAME,
    dynamoDbEndpoint: parsed.DYNAMODB_ENDPOINT,
    idempotencyRetentionSeconds: parsed.IDEMPOTENCY_RETENTION_SECONDS,
    movementFolding: parsed.MOVEMENT_FOLDING === "on",
  };
}
