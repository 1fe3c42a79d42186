import { depositWithThisProject } from "../deposit/this-project";
import { depositDependencies } from "./deposit-dependencies";

/** The deposit route under this project's lease strategy, bundled as a deployed function is. */
export const handler = depositWithThisProject("lease")(depositDependencies());
