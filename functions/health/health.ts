import * as z from "zod";
import { problems } from "../shared/http/problem-types";
import { ok } from "../shared/http/responses";
import type { Logger } from "../shared/observability/logger";

export const healthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });

/** A probe that resolves when one dependency answers. */
export type HealthProbe = () => Promise<unknown>;

/** 200 when every table answers; 503 with Retry-After when one does not. */
export async function checkHealth(
  probes: readonly HealthProbe[],
  logger: Logger,
): Promise<unknown> {
  const results = await Promise.allSettled(probes.map((probe) => probe()));
  const failed = results.filter((result) => result.status === "rejected");
  if (failed.length > 0) {
    logger.warn("health check failed", { failedProbes: failed.length });
    throw problems.serviceUnavailable(5);
  }
  return ok(healthSchema.parse({ status: "ok" }));
}
