import { depositWithPowertools } from "../deposit/powertools";
import { depositDependencies } from "./deposit-dependencies";

/** The deposit route built with Powertools' idempotency, bundled as a deployed function is. */
export const handler = depositWithPowertools(depositDependencies());
