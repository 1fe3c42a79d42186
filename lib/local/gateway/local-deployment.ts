/**
 * What the local gateway pretends to be deployed as: where it listens and the
 * AWS ids that appear in events and ARNs.
 */

/** Loopback only: the local API is never reachable from another machine. */
export const GATEWAY_HOST = "127.0.0.1";

/** A placeholder AWS account, the one AWS's own examples use. */
export const ACCOUNT_ID = "123456789012";

export const API_ID = "local";
