import { randomBytes } from "node:crypto";
import * as z from "zod";
import { timestampSchema } from "../domain/primitives";

export const issuedKeySchema = z
  .object({
    key: z.string().meta({ description: "Send it as Idempotency-Key with one write request." }),
    expiresAt: timestampSchema.meta({
      description: "After this, the key no longer protects a retry.",
    }),
  })
  .meta({ id: "IssuedKey" });
export type IssuedKey = z.infer<typeof issuedKeySchema>;

/**
 * The one-time token pattern: the server mints a random key for clients that
 * cannot make good ones. Nothing is stored: every key is scoped to its caller
 * already, so this key is bound to the caller who uses it, like any other.
 * 24 random bytes (192 bits) in base64url are visible ASCII and unguessable.
 */
export function issueKey(retentionSeconds: number, now: Date): IssuedKey {
  const key = `ik_${randomBytes(24).toString("base64url")}`;
  const expiresAt = new Date(now.getTime() + retentionSeconds * 1000).toISOString();
  return issuedKeySchema.parse({ key, expiresAt });
}
