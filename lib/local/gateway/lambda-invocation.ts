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
 */
export async function invoke(
  handler: GatewayHandler,
  event: GatewayEvent,
  context: Context,
  timeoutMs: number,
): Promise<Outcome> {
  const run: Promise<Outcome> = Promise.resolve()
    .then(() => handler(event, context))
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
