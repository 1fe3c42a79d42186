/**
 * Why the API refuses a request it understood: the rules of money and of
 * the resources' states, in the domain's words. Use cases throw them
 * (`refuse`) or, when the refusal is the stored outcome of effects already
 * made (a declined card), commit them as their result. The HTTP layer maps
 * each to its problem type in one table (shared/http/refusal-problems.ts).
 */

/** A resource a caller names; another caller's looks exactly like a missing one. */
export type Resource =
  | "account"
  | "destination account"
  | "deposit"
  | "order"
  | "payment"
  | "refund"
  | "transfer";

/** Which account of a movement a refusal is about. */
export type AccountRole = "account" | "source account" | "destination account" | "paying account";

export type Refusal =
  | { readonly reason: "not-found"; readonly resource: Resource }
  /** A cursor this API did not hand out. */
  | { readonly reason: "invalid-cursor" }
  | {
      readonly reason: "insufficient-funds";
      readonly account: AccountRole;
      readonly balance: number;
      readonly needed: number;
    }
  | { readonly reason: "balance-limit-exceeded"; readonly account: AccountRole }
  | {
      readonly reason: "currency-mismatch";
      readonly between: "order and account" | "source and destination";
      readonly currencies: readonly [string, string];
    }
  | { readonly reason: "invalid-state-transition"; readonly status: string }
  | { readonly reason: "order-already-paid" }
  | { readonly reason: "payment-in-progress" }
  | { readonly reason: "refund-exceeds-payment"; readonly refundable: number }
  /** The version the caller read is not the current one (a stale `If-Match`). */
  | { readonly reason: "version-mismatch" }
  | { readonly reason: "card-declined"; readonly declineCode: string };

export type RefusalReason = Refusal["reason"];

/** A refusal thrown out of a use case: nothing it wrote stands. */
export class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    // The whole refusal: a log line of it says why, not only that.
    super(`Refused: ${JSON.stringify(refusal)}`);
    this.name = "Refused";
  }
}

/** Ends the use case with a refusal. */
export function refuse(refusal: Refusal): never {
  throw new Refused(refusal);
}

/** Every reason, once: a result is a refusal only with one of these (not any `reason`). */
const REASONS: Readonly<Record<RefusalReason, true>> = {
  "not-found": true,
  "invalid-cursor": true,
  "insufficient-funds": true,
  "balance-limit-exceeded": true,
  "currency-mismatch": true,
  "invalid-state-transition": true,
  "order-already-paid": true,
  "payment-in-progress": true,
  "refund-exceeds-payment": true,
  "version-mismatch": true,
  "card-declined": true,
};

/** Whether a committed result is a refusal rather than the resource. */
export function isRefusal(result: object): result is Refusal {
  return (
    "reason" in result && typeof result.reason === "string" && Object.hasOwn(REASONS, result.reason)
  );
}
