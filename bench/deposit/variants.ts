import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import type { DepositHandlerOptions } from "./deposit-handler";
import { depositWithoutIdempotency } from "./no-idempotency";
import { depositWithPowertools } from "./powertools";
import { depositWithThisProject } from "./this-project";

/** The columns of every table, in order; the first is the baseline. */
export const variants = ["none", "commit", "lease", "powertools"] as const;
export type Variant = (typeof variants)[number];

export const variantLabels: Record<Variant, string> = {
  none: "no idempotency",
  commit: "this project, commit",
  lease: "this project, lease",
  powertools: "Powertools",
};

export const depositHandlers: Record<
  Variant,
  (options: DepositHandlerOptions) => LambdaHttpHandler
> = {
  none: depositWithoutIdempotency,
  commit: depositWithThisProject("commit"),
  lease: depositWithThisProject("lease"),
  powertools: depositWithPowertools,
};
