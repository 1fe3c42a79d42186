import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A Stripe-like id: a type prefix and 24 random base-62 characters, e.g. `pi_3Pq…`. */
export function emulatorId(prefix: "pi" | "ch" | "re" | "evt" | "req"): string {
  const bytes = randomBytes(24);
  let suffix = "";
  // 256 is not a multiple of 62: the slight bias is irrelevant for test ids.
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${suffix}`;
}
