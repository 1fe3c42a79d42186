import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "../../functions/domain/primitives";
import { DEFAULT_LEASE_MARGIN_MS } from "../../functions/idempotency/core/constants";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { startProcessorEmulator } from "../../lib/local/processor-emulator/processor-emulator";
import { lambdaContext } from "../../test/support/lambda-fixtures";
import type { BenchDatabase } from "../support/bench-database";
import { benchTables } from "../support/bench-database";
import { describeAnswer } from "../support/deposit-requests";
import { cardPaymentEvent, openOrders, orderStatusOf } from "./card-orders";
import type { CardPaymentOptions } from "./card-payment-handler";
import { CountingProcessor } from "./counting-processor";

/** The dying attempt's invocation: short, so that its lease and in-progress record expire soon. */
const FIRST_ATTEMPT_MS = 3_000;
/** After its deadline, this project's lease margin, and a little more. */
const RETRY_AFTER_MS = FIRST_ATTEMPT_MS + DEFAULT_LEASE_MARGIN_MS + 200;

export interface TimeoutCase {
  readonly label: string;
  readonly handler: (options: CardPaymentOptions) => LambdaHttpHandler;
}

/** What one logical payment came to: the answers in order, the charges, the order. */
export interface TimeoutOutcome {
  readonly answers: readonly string[];
  readonly processorCalls: number;
  readonly charges: number;
  readonly orderStatus: string;
}

/**
 * "The processor charged but the function timed out before saving": the
 * first attempt's charge is created, then its answer is lost (the
 * emulator's `charge-then-drop`, on the call and on the Stripe client's own
 * retry of it), so the attempt ends without the outcome. The client retries
 * with the same key once the attempt's deadline and any lease have passed,
 * then once more. Each case has an emulator of its own (50 ms latency,
 * webhooks held: no event settles anything), so the cases run at once.
 */
export function timeoutAfterCharge(
  database: BenchDatabase,
  cases: readonly TimeoutCase[],
  latencyMs: number,
): Promise<TimeoutOutcome[]> {
  return Promise.all(cases.map((each) => runCase(database, each, latencyMs)));
}

async function runCase(
  database: BenchDatabase,
  timeoutCase: TimeoutCase,
  latencyMs: number,
): Promise<TimeoutOutcome> {
  const emulator = await startProcessorEmulator({ webhookSecret: "whsec_bench", latencyMs });
  try {
    const client = database.client().dynamoDb;
    const counting = new CountingProcessor(emulator.url);
    const handler = timeoutCase.handler({
      client,
      tables: benchTables,
      processor: counting.processor,
    });
    const [order] = await openOrders(client, 1);
    if (!order) throw new Error("no order opened");
    const key = newId();
    const attempt = async (timeoutMs: number) =>
      describeAnswer(await handler(cardPaymentEvent(order, key), lambdaContext(timeoutMs)));

    emulator.injectFault({ kind: "charge-then-drop", path: "/v1/payment_intents", times: 2 });
    const startedAt = Date.now();
    const first = await attempt(FIRST_ATTEMPT_MS);
    emulator.clearFaults();
    await sleep(Math.max(0, startedAt + RETRY_AFTER_MS - Date.now()));
    const retry = await attempt(10_000);
    const again = await attempt(10_000);
    return {
      answers: [first, retry, again],
      processorCalls: counting.calls,
      charges: emulator
        .paymentIntents()
        .filter((intent) => intent.metadata.orderId === order.orderId).length,
      orderStatus: await orderStatusOf(client, order),
    };
  } finally {
    await emulator.close();
  }
}

export const retryAfterMs = RETRY_AFTER_MS;
