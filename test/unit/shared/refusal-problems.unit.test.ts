import type { Refusal, RefusalReason } from "../../../functions/domain/refusals";
import { ProcessorOutcomeUnknownError } from "../../../functions/processor/processor-outcome-unknown-error";
import { renderProblem } from "../../../functions/shared/http/problem-details";
import { problemOf } from "../../../functions/shared/http/problem-errors-middleware";
import { answerOfRefusal } from "../../../functions/shared/http/refusal-problems";
import { RacesLostError } from "../../../functions/shared/races-lost-error";

const BASE = "https://payments.example.com/problems/";

/** One row per reason: the refusal, and the problem the contract answers it with, to the letter. */
const rows: { readonly [R in RefusalReason]: readonly [Extract<Refusal, { reason: R }>, object] } =
  {
    "not-found": [
      { reason: "not-found", resource: "destination account" },
      {
        status: 404,
        type: `${BASE}not-found`,
        title: "Not found",
        detail: "The destination account was not found.",
      },
    ],
    "invalid-cursor": [
      { reason: "invalid-cursor" },
      {
        status: 400,
        type: `${BASE}validation-error`,
        title: "Validation error",
        detail: "The request is not valid.",
        errors: [{ path: "cursor", message: "not a cursor this API handed out" }],
      },
    ],
    "insufficient-funds": [
      { reason: "insufficient-funds", account: "source account", balance: 500, needed: 1200 },
      {
        status: 409,
        type: `${BASE}insufficient-funds`,
        title: "Insufficient funds",
        detail: "The balance of the source account is 500; this needs 1200.",
      },
    ],
    "balance-limit-exceeded": [
      { reason: "balance-limit-exceeded", account: "paying account" },
      {
        status: 409,
        type: `${BASE}balance-limit-exceeded`,
        title: "Balance limit exceeded",
        detail: "This would take the paying account over the largest balance an account may hold.",
      },
    ],
    "currency-mismatch": [
      { reason: "currency-mismatch", between: "order and account", currencies: ["EUR", "USD"] },
      {
        status: 409,
        type: `${BASE}currency-mismatch`,
        title: "Currency mismatch",
        detail: "The order is in EUR and the account holds USD.",
      },
    ],
    "invalid-state-transition": [
      { reason: "invalid-state-transition", status: "cancelled" },
      {
        status: 409,
        type: `${BASE}invalid-state-transition`,
        title: "Invalid state transition",
        detail: "The order is cancelled; it cannot make this move.",
      },
    ],
    "order-already-paid": [
      { reason: "order-already-paid" },
      {
        status: 409,
        type: `${BASE}order-already-paid`,
        title: "Order already paid",
        detail: "The order was already paid.",
      },
    ],
    "payment-in-progress": [
      { reason: "payment-in-progress" },
      {
        status: 409,
        type: `${BASE}payment-in-progress`,
        title: "Payment in progress",
        detail:
          "A card payment of this order is at the payment processor; its outcome decides whether the order is paid.",
      },
    ],
    "refund-exceeds-payment": [
      { reason: "refund-exceeds-payment", refundable: 500 },
      {
        status: 409,
        type: `${BASE}refund-exceeds-payment`,
        title: "Refund exceeds payment",
        detail: "At most 500 of the payment is left to refund.",
      },
    ],
    "version-mismatch": [
      { reason: "version-mismatch" },
      {
        status: 412,
        type: `${BASE}precondition-failed`,
        title: "Precondition failed",
        detail: "The resource changed since you read it: If-Match does not match its current ETag.",
      },
    ],
    "card-declined": [
      { reason: "card-declined", declineCode: "insufficient_funds" },
      {
        status: 402,
        type: `${BASE}card-declined`,
        title: "Card declined",
        detail:
          "The card was declined (insufficient_funds). The order is still pending: pay it again under a new Idempotency-Key.",
        declineCode: "insufficient_funds",
      },
    ],
  };

describe("the refusal → problem table", () => {
  it.each(Object.values(rows))("answers %j with its problem, word for word", (refusal, problem) => {
    const answer = answerOfRefusal(refusal);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(answer.body)).toEqual(problem);
    expect(answer.statusCode).toBe((problem as { status: number }).status);
  });
});

describe("the errors a use case throws that are not refusals", () => {
  it("answers an unknown processor outcome 503 payment-processor-unavailable, with Retry-After", () => {
    const answer = renderProblem(problemOf(new ProcessorOutcomeUnknownError("charge")));
    expect(answer.statusCode).toBe(503);
    expect(answer.headers["retry-after"]).toBe("2");
    expect(JSON.parse(answer.body)).toMatchObject({ type: `${BASE}payment-processor-unavailable` });
  });

  it("answers races lost until the deadline 503 service-unavailable, with Retry-After", () => {
    const answer = renderProblem(problemOf(new RacesLostError()));
    expect(answer.statusCode).toBe(503);
    expect(answer.headers["retry-after"]).toBe("1");
    expect(JSON.parse(answer.body)).toMatchObject({ type: `${BASE}service-unavailable` });
  });
});
