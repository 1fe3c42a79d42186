export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

/** The header that marks an answer as a replay of the stored one. */
export const REPLAYED_HEADER = "idempotent-replayed";

/** Methods that never use a key: they are safe to repeat by definition. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** Longest key accepted, in characters (the IETF draft and Stripe allow 255). */
export const MAX_KEY_LENGTH = 255;

/** Response headers kept with the record and replayed. */
export const DEFAULT_STORED_HEADERS: readonly string[] = ["content-type", "location", "etag"];
