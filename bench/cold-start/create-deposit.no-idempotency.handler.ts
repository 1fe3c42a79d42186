import { depositWithoutIdempotency } from "../deposit/no-idempotency";
import { depositDependencies } from "./deposit-dependencies";

/** The deposit route without idempotency, bundled as a deployed function is: the baseline. */
export const handler = depositWithoutIdempotency(depositDependencies());
