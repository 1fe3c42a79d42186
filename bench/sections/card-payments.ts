import { payOrderByCard } from "../../functions/orders/card-payments";
import { startProcessorEmulator } from "../../lib/local/processor-emulator/processor-emulator";
import {
  cardPaymentWithoutIdempotency,
  cardPaymentWithPowertools,
  cardPaymentWithThisProject,
  cardVariantLabels,
  cardVariants,
} from "../card/card-variants";
import { chargeThenRecord } from "../card/charge-then-record";
import { measurePayments, type PaymentMeasurement } from "../card/payment-measurements";
import { retryAfterMs, type TimeoutCase, timeoutAfterCharge } from "../card/timeout-after-charge";
import { describeStatuses } from "../support/load";
import { markdownTable, ms, ratio, roundRatios } from "../support/markdown";
import { progress } from "../support/progress";
import { ratiosPerRound, summarize } from "../support/statistics";
import type { BenchSection } from "./section";

/** The emulator's fixed latency on every processor answer. */
const PROCESSOR_LATENCY_MS = 50;
const PLAN = { rounds: 3, paymentsPerRound: 10, warmupPayments: 3 };

const timeoutCases: readonly TimeoutCase[] = [
  { label: "this project (lease, recovery points)", handler: cardPaymentWithThisProject },
  { label: "no idempotency", handler: cardPaymentWithoutIdempotency },
  {
    label: "Powertools, the same phased use case, processor key per attempt",
    handler: cardPaymentWithPowertools({ processorKey: "per-attempt", useCase: payOrderByCard }),
  },
  {
    label: "Powertools, charge then record, processor key per attempt",
    handler: cardPaymentWithPowertools({
      processorKey: "per-attempt",
      useCase: chargeThenRecord("per-attempt"),
    }),
  },
  {
    label: "Powertools, charge then record, processor key from the request, payment id per attempt",
    handler: cardPaymentWithPowertools({
      processorKey: "from-request",
      useCase: chargeThenRecord("per-attempt"),
    }),
  },
  {
    label: "Powertools, charge then record, processor key and payment id from the request",
    handler: cardPaymentWithPowertools({
      processorKey: "from-request",
      useCase: chargeThenRecord("from-identity"),
    }),
  },
];

/**
 * Section: one card payment (POST /orders/{id}/payments with a payment
 * method) through the Stripe client against the emulator, in-process: what
 * a successful payment costs, and what each layer makes of a charge whose
 * answer was lost.
 */
export const cardPayments: BenchSection = {
  title: "Card payments: requests, latency, and a timeout after the charge",
  async run(database) {
    const emulator = await startProcessorEmulator({
      webhookSecret: "whsec_bench",
      latencyMs: PROCESSOR_LATENCY_MS,
    });
    let measured: Map<(typeof cardVariants)[number], PaymentMeasurement>;
    try {
      measured = await measurePayments(database, emulator, cardVariants, PLAN);
    } finally {
      await emulator.close();
    }
    progress("card payments: a timeout after the charge");
    const outcomes = await timeoutAfterCharge(database, timeoutCases, PROCESSOR_LATENCY_MS);

    const baseline = measured.get("none");
    const rows = cardVariants.map((variant) => {
      const cell = measured.get(variant);
      if (!cell || !baseline) return [cardVariantLabels[variant], "n/a"];
      const latency = summarize(cell.latencies);
      const roundsAgainst = ratiosPerRound(cell.roundP50s, baseline.roundP50s);
      return [
        cardVariantLabels[variant],
        describeOperations(cell.operations),
        span(cell.processorCalls),
        span(cell.charges),
        ms(latency.p50),
        ratio(latency.p50, summarize(baseline.latencies).p50),
        roundRatios(roundsAgainst),
        ms(latency.p99),
        describeStatuses(cell.statuses),
      ];
    });
    const timeoutRows = timeoutCases.map((each, index) => {
      const outcome = outcomes[index];
      return [
        each.label,
        outcome ? outcome.answers.join(" → ") : "n/a",
        String(outcome?.processorCalls ?? "n/a"),
        outcome ? `**${outcome.charges}**` : "n/a",
        outcome?.orderStatus ?? "n/a",
      ];
    });
    const payments = PLAN.rounds * PLAN.paymentsPerRound;
    return [
      `One successful card payment, a fresh order and key each, the emulator answering after a fixed`,
      `${PROCESSOR_LATENCY_MS} ms (webhooks held). ${payments} payments per variant (${PLAN.rounds} rounds of ${PLAN.paymentsPerRound}, after ${PLAN.warmupPayments} to warm up),`,
      "sequential, the variants taking turns payment by payment in a rotated order.",
      "",
      markdownTable(
        [
          "variant",
          "DynamoDB requests per payment",
          "processor calls",
          "charges",
          "p50",
          "p50 vs none",
          "p50 vs none, each round",
          "p99",
          "answers",
        ],
        rows,
      ),
      "",
      "All three run the same use case, `payOrderByCard` (card-payments.ts), in the card branch of",
      "pay-order.handler.ts built in-process (the circuit breaker left out for all): read the order,",
      "one transaction for the `started` phase (order `payment_pending`, payment `processing`), the",
      "charge, one transaction for the outcome (payment, order, outbox event). This project adds its",
      "claim (PutItem), moves the record to `started` inside the first transaction and completes it",
      "inside the second; without idempotency the same two transactions carry no record; Powertools",
      "adds its in-progress PutItem before and its completion UpdateItem after. p99 of",
      `${payments} samples is nearly their maximum.`,
      "",
      "**A timeout after the charge.** The first attempt's charge is created, then its answer is",
      "lost (`charge-then-drop` on the call and on the Stripe client's own retry), so the attempt",
      `ends without the outcome (a 3 s invocation). The client retries with the same key ${(retryAfterMs / 1000).toFixed(1)} s`,
      "after the first attempt began (its deadline, and this project's lease margin, passed), then",
      "once more. Charges: payment intents the emulator created for the order.",
      "",
      markdownTable(
        ["variant", "answers (first → retry → retry)", "processor calls", "charges", "order after"],
        timeoutRows,
      ),
      "",
      "This project's attempt answers 503 and keeps its recovery point `started` (its lease let",
      "go); the retry resumes at the processor call with the same processor key, derived from the",
      "request; the emulator answers with the first charge, and the finishing transaction completes",
      "the record: one charge, 201, then a replay. Processor calls count the use case's calls of the",
      "port (the Stripe client's own retry within a call is not counted).",
      "",
      "Without idempotency, and under Powertools with the same phased use case, the retry runs the",
      "handler from the start: the order is `payment_pending`, so the use case refuses it (409",
      "`payment-in-progress`). Nothing charges again, but nothing completes either: the money is",
      "taken, the order is never paid, and every retry is 409 (Powertools stores no error; its",
      "`onError` deletes its in-progress record, so the retry would not have had to wait for it to",
      "expire). Only a webhook could settle that payment: this project's webhook route would,",
      "matching the charge's metadata; Powertools itself does nothing.",
      "",
      "A handler written the way Powertools' in-progress record invites, with nothing written",
      "before the charge (`chargeThenRecord`, bench/card/), re-runs the charge. With a processor key",
      "per attempt (what the Stripe client generates when given none) the customer is charged",
      "twice. With the key derived from the request but a payment id made per attempt, the re-run",
      "sends the same key with other parameters (the metadata's payment id): the processor refuses",
      "it (Stripe's `idempotency_error`, which the adapter treats as a bug: 500), so the charge is",
      "taken, the order stays `pending`, and every retry is 500. Only when the key and every",
      "parameter of the charge come from the request is the re-run harmless: one charge, 201 (its",
      "replay unmarked, as Powertools sends them). This project gets that from its recovery point:",
      "the retry reads back the payment that phase 1 stored and sends the same charge.",
    ].join("\n");
  },
};

const span = (values: readonly number[]) => {
  if (values.length === 0) return "n/a";
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? String(low) : `${low}–${high}`;
};

const operationOrder = ["PutItem", "GetItem", "UpdateItem", "TransactWriteItems"];

/** `**5**: 1 PutItem + 1 GetItem + 2 TransactWriteItems` */
function describeOperations(ranges: ReadonlyMap<string, readonly [number, number]>): string {
  const rank = (name: string) => {
    const index = operationOrder.indexOf(name);
    return index === -1 ? operationOrder.length : index;
  };
  const names = [...ranges.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  let fewest = 0;
  let most = 0;
  const parts = names.map((name) => {
    const [low, high] = ranges.get(name) ?? [0, 0];
    fewest += low;
    most += high;
    return `${low === high ? low : `${low}–${high}`} ${name}`;
  });
  const total = fewest === most ? String(fewest) : `${fewest}–${most}`;
  return `**${total}**: ${parts.join(" + ")}`;
}
