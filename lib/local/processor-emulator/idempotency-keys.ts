/**
 * Stripe's idempotency, as its documentation states it: a key is bound to
 * the first request's parameters for 24 hours and replays that request's
 * answer; other parameters under the key are refused (400
 * `idempotency_error`), and so is the key while its first request is still
 * running (409). Keys are scoped per API key. An answer is kept only once the
 * endpoint ran: a request refused by validation, or failing in front of the
 * API (an injected `server-error`), leaves the key free.
 */

import { stripeError } from "./stripe-objects";

const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface StoredAnswer {
  readonly statusCode: number;
  readonly body: unknown;
}

export type KeyClaim =
  | { readonly kind: "claimed" }
  | { readonly kind: "replay"; readonly answer: StoredAnswer }
  | { readonly kind: "other-parameters" }
  | { readonly kind: "in-progress" };

type Entry =
  | { readonly state: "running"; readonly fingerprint: string }
  | {
      readonly state: "done";
      readonly fingerprint: string;
      readonly answer: StoredAnswer;
      readonly storedAtMs: number;
    };

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** Claims `key` for a request with `fingerprint`, or says why it cannot run. */
  claim(scope: string, key: string, fingerprint: string): KeyClaim {
    const id = JSON.stringify([scope, key]);
    const entry = this.entries.get(id);
    const expired = entry?.state === "done" && this.now() - entry.storedAtMs > KEY_RETENTION_MS;
    if (entry && !expired) {
      if (entry.fingerprint !== fingerprint) return { kind: "other-parameters" };
      if (entry.state === "running") return { kind: "in-progress" };
      return { kind: "replay", answer: entry.answer };
    }
    this.entries.set(id, { state: "running", fingerprint });
    return { kind: "claimed" };
  }

  /** Stores the claimed request's answer, or frees the key when `answer` is undefined. */
  finish(scope: string, key: string, answer: StoredAnswer | undefined): void {
    const id = JSON.stringify([scope, key]);
    const entry = this.entries.get(id);
    if (entry?.state !== "running") return;
    if (answer === undefined) {
      this.entries.delete(id);
      return;
    }
    this.entries.set(id, {
      state: "done",
      fingerprint: entry.fingerprint,
      answer,
      storedAtMs: this.now(),
    });
  }
}

/** Stripe's answer to a key it will not run a request under. */
export function refusalOf(kind: "other-parameters" | "in-progress", key: string): StoredAnswer {
  if (kind === "other-parameters") {
    return {
      statusCode: 400,
      body: stripeError(
        "idempotency_error",
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      ),
    };
  }
  return {
    statusCode: 409,
    body: stripeError(
      "idempotency_error",
      "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
      { code: "idempotency_key_in_use" },
    ),
  };
}
