import { newId } from "../../functions/domain/primitives";
import type { RequestIdentity } from "../../functions/idempotency";
import { recordKey } from "../../functions/idempotency/core/record";
import { principalFromAuthorizer } from "../../functions/idempotency/http/http-event";
import { requireIdempotencyKey } from "../../functions/idempotency/http/key";
import type { HttpEvent } from "../../functions/shared/http/http-handler";

/**
 * Where the processor's idempotency key comes from when this project's layer
 * does not give it (`chargeKeyOf` digests the identity's `pk`). The use case
 * and the key's derivation are the same; only its input differs.
 */
export type ProcessorKeySource = "per-attempt" | "from-request";

/**
 * `per-attempt`: a new key each invocation, as the Stripe client's own
 * (generated per call when none is given; its retries within the call reuse
 * it). `from-request`: the caller and the Idempotency-Key, as this project's
 * record key and as Powertools' key expression: every attempt sends the same.
 */
export function identityFor(source: ProcessorKeySource, event: HttpEvent): RequestIdentity {
  if (source === "per-attempt") return { pk: `attempt:${newId()}`, fingerprint: "" };
  const caller = principalFromAuthorizer(event);
  if (!caller) throw new Error("no caller");
  const pk = recordKey(["caller", caller], requireIdempotencyKey(event.headers));
  return { pk, fingerprint: "" };
}
