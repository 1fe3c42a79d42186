import { InvokeStore, InvokeStoreBase } from "@aws/lambda-invoke-store";
import type { Context } from "aws-lambda";
import type { GatewayEvent } from "./api-gateway-event";
import type { GatewayHandler } from "./gateway-route";

/** How one call of a handler ended. */
export type Outcome =
  | { readonly kind: "returned"; readonly value: unknown }
  | { readonly kind: "threw"; readonly error: unknown }
  | { readonly kind: "timed-out"; readonly late: Promise<Outcome> };

/**
 * Runs the handler against Lambda's timeout. On a timeout the handler is not
 * stopped (Node cannot stop a promise): it may finish in the background, and
 * its late answer is dropped, much like a zombie invocation on AWS.
 *
 * Invocations run concurrently in this one process, as on a Lambda with
 * several invocations per environment: each runs in its own InvokeStore
 * context, as Lambda's runtime does, so that Powertools keeps its logger
 * keys and metrics apart per invocation (see concurrentInvocations()).
 */
export async function invoke(
  handler: GatewayHandler,
  event: GatewayEvent,
  context: Context,
  timeoutMs: number,
): Promise<Outcome> {
  const store = await InvokeStore.getInstanceAsync(true);
  const invocation = { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId };
  const run: Promise<Outcome> = Promise.resolve()
    .then(() => store.run(invocation, () => handler(event, context)))
    .then(
      (value) => ({ kind: "returned", value }),
      (error: unknown) => ({ kind: "threw", error }),
    );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timed-out", late: run }), timeoutMs);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What Lambda's runtime sets when an environment runs several invocations
 * at once; Powertools then scopes its state per invocation. Set before any
 * handler is loaded.
 */
export function concurrentInvocations(environment: NodeJS.ProcessEnv): void {
  environment.AWS_LAMBDA_MAX_CONCURRENCY ??= "64";
}
