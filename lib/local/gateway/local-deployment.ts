import * as z from "zod";
import { parseEnvironment } from "../../../functions/shared/environment";
import { localAwsEnvironment } from "../dynamodb-local";

/**
 * What the local gateway pretends to be deployed as: where it listens and the
 * AWS ids that appear in events and ARNs.
 */

/** Loopback only: the local API is never reachable from another machine. */
export const GATEWAY_HOST = "127.0.0.1";

/** A placeholder AWS account, the one AWS's own examples use. */
export const ACCOUNT_ID = "123456789012";

export const API_ID = "local";

const regionEnvironmentSchema = z.object({
  // Empty means unset, as for every variable of `npm start`.
  AWS_REGION: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.string().trim().min(1).default(localAwsEnvironment.AWS_REGION),
  ),
});

/**
 * The region in the functions' ARNs and events: AWS_REGION (`npm start`
 * sets it for every client of the process), else the local default. Read
 * at each call: `npm start` sets it after this module loads.
 */
export function localRegion(environment: NodeJS.ProcessEnv = process.env): string {
  return parseEnvironment(
    regionEnvironmentSchema,
    environment,
    "Invalid environment for the local API",
  ).AWS_REGION;
}
