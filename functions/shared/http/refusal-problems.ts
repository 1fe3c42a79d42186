import type { Refusal, RefusalReason } from "../../domain/refusals";
import { type HttpProblem, renderProblem } from "./problem-details";
import { problems } from "./problem-types";

type RefusalOf<R extends RefusalReason> = Extract<Refusal, { reason: R }>;

const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** THE table from the domain's refusals to the contract's problem types: one row per reason. */
const problemOfReason: { readonly [R in RefusalReason]: (refusal: RefusalOf<R>) => HttpProblem } = {
  "not-found": ({ resource }) => problems.notFound(capitalized(`the ${resource}`)),
  "invalid-cursor": () =>
    problems.validation([{ path: "cursor", message: "not a cursor this API handed out" }]),
  "insufficient-funds": ({ account, balance, needed }) =>
    problems.insufficientFunds(`the ${account}`, balance, needed),
  "balance-limit-exceeded": ({ account }) => problems.balanceLimitExceeded(`the ${account}`),
  "currency-mismatch": ({ between, currencies: [first, second] }) =>
    problems.currencyMismatch(
      between === "order and account"
        ? `The order is in ${first} and the account holds ${second}.`
        : `The source account holds ${first} and the destination ${second}.`,
    ),
  "invalid-state-transition": ({ status }) => problems.invalidStateTransition(status),
  "order-already-paid": () => problems.orderAlreadyPaid(),
  "payment-in-progress": () => problems.paymentInProgress(),
  "refund-exceeds-payment": ({ refundable }) => problems.refundExceedsPayment(refundable),
  "version-mismatch": () => problems.preconditionFailed(),
  "card-declined": ({ declineCode }) => problems.cardDeclined(declineCode),
};

/** The problem a refusal is answered with. */
export function problemOfRefusal(refusal: Refusal): HttpProblem {
  const toProblem = problemOfReason[refusal.reason] as (refusal: Refusal) => HttpProblem;
  return toProblem(refusal);
}

/** A refusal committed as a use case's result, as the problem answer that is stored and sent. */
export function answerOfRefusal(refusal: Refusal) {
  return renderProblem(problemOfRefusal(refusal));
}
