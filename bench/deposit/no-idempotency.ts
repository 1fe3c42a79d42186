import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { type DepositHandlerOptions, depositHandler, depositRoute } from "./deposit-handler";
import { transactionCommit } from "./transaction-commit";

/** The baseline: no idempotency at all; a retry deposits again. */
export function depositWithoutIdempotency(options: DepositHandlerOptions): LambdaHttpHandler {
  return depositHandler(options, {
    route: { ...depositRoute, idempotency: null },
    attemptOf: () => ({ commit: transactionCommit(options.client) }),
  });
}
