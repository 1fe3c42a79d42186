import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import type { DepositHandlerOptions } from "./deposit-handler";
import { depositWithoutIdempotency } from "./no-idempotency";
import { depositWithPowertools } from "./powertools";
import { depositWithThisProject } from "./this-project";

/** The three columns of every table, in order; the first is the baseline. */
export const variants = ["none", "this-project", "powertools"] as const;
export type Variant = (typeof variants)[number];

export const variantLabels: Record<Variant, string> = {
  none: "no idempotency",
  "this-project": "this project",
  powertools: "Powertools",
};

export const depositHandlers: Record<
  Variant,
  (options: DepositHandlerOptions) => LambdaHttpHandler
> = {
  none: depositWithoutIdempotency,
  "this-project": depositWithThisProject,
  powertools: depositWithPowertools,
};
