import CircuitBreaker from "opossum";
import type { ChargeOutcome, PaymentProcessor, RefundOutcome } from "./payment-processor";

/**
 * A circuit breaker in front of the processor (opossum): when the processor
 * keeps failing, calls fail fast with "unknown: circuit-open" instead of
 * holding every request for its whole timeout, and the processor gets room
 * to recover. After the cool-down one probe goes through: its success closes
 * the circuit, its failure opens it for another cool-down.
 *
 * A failure is an unknown outcome (timeout, 5xx, dropped connection, key in
 * progress): the processor may be unwell. A decline, a refusal, a success,
 * or a thrown error (our own fault, which the processor answered) is not.
 * Charges and refunds share the circuit: they share the processor.
 *
 * Opossum keeps the states, the cool-down timer and the single half-open
 * probe; the opening rule is N failures in a row (counted here), which reads
 * better for a low-traffic dependency than opossum's error percentage.
 */

export type CircuitState = "closed" | "open" | "half-open";

export interface ProcessorCircuitOptions {
  /** Unknown outcomes in a row that open the circuit. @default 5 */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before a probe. @default 30_000 */
  readonly resetTimeoutMs?: number;
  /** For logs and metrics: called on every change of state. */
  readonly onStateChange?: (state: CircuitState) => void;
  /** Opossum's name for the circuit (its events and stats). @default "payment-processor" */
  readonly name?: string;
}

export interface CircuitBrokenProcessor extends PaymentProcessor {
  /** The circuit's state now. */
  readonly state: CircuitState;
  /** Stops the circuit's timers (tests; a Lambda container just ends). */
  shutdown(): void;
}

/** Marks an unknown outcome as a failure for opossum; never leaves this module. */
class UnknownOutcomeFailure extends Error {}

type Outcome = ChargeOutcome | RefundOutcome;

/**
 * @example
 * const processor = withCircuitBreaker(createStripePaymentProcessor({ apiKey, url }), {
 *   onStateChange: (state) => logger.warn("payment processor circuit", { state }),
 * });
 */
export function withCircuitBreaker(
  processor: PaymentProcessor,
  options: ProcessorCircuitOptions = {},
): CircuitBrokenProcessor {
  const failureThreshold = options.failureThreshold ?? 5;
  const breaker = new CircuitBreaker(async (call: () => Promise<void>) => call(), {
    name: options.name ?? "payment-processor",
    resetTimeout: options.resetTimeoutMs ?? 30_000,
    // The processor call has its own deadline (the request's timeoutMs).
    timeout: false,
    // Opossum's percentage rule never trips (no rate exceeds 100 %): the
    // consecutive-failure rule below opens it. A failed probe still reopens.
    errorThresholdPercentage: 100,
    volumeThreshold: 0,
    // Only unknown outcomes are failures; a thrown error is an answer.
    errorFilter: (error: unknown) => !(error instanceof UnknownOutcomeFailure),
  });

  let failuresInARow = 0;
  breaker.on("failure", () => {
    failuresInARow += 1;
    if (failuresInARow >= failureThreshold && breaker.closed) breaker.open();
  });
  breaker.on("success", () => {
    failuresInARow = 0;
  });
  const changedTo = (state: CircuitState) => () => {
    failuresInARow = 0;
    options.onStateChange?.(state);
  };
  breaker.on("open", changedTo("open"));
  breaker.on("halfOpen", changedTo("half-open"));
  breaker.on("close", changedTo("closed"));

  /** The call's outcome, or undefined when the circuit refused it without calling. */
  async function guarded<T extends Outcome>(call: () => Promise<T>): Promise<T | undefined> {
    let outcome: T | undefined;
    try {
      await breaker.fire(async () => {
        outcome = await call();
        if (isFailure(outcome)) throw new UnknownOutcomeFailure();
      });
    } catch (error) {
      if (error instanceof UnknownOutcomeFailure && outcome) return outcome;
      if (isOpenCircuitError(error)) return undefined;
      throw error;
    }
    if (!outcome) throw new Error("The circuit ran no call");
    return outcome;
  }

  return {
    charge: async (request) => (await guarded(() => processor.charge(request))) ?? circuitOpen,
    refund: async (request) => (await guarded(() => processor.refund(request))) ?? circuitOpen,
    get state(): CircuitState {
      if (breaker.opened) return "open";
      return breaker.halfOpen ? "half-open" : "closed";
    },
    shutdown: () => breaker.shutdown(),
  };
}

const circuitOpen = { status: "unknown", reason: "circuit-open" } as const;

function isFailure(outcome: Outcome): boolean {
  return outcome.status === "unknown" && outcome.reason !== "circuit-open";
}

/** Opossum's fail-fast rejection: open, or half-open with its probe already out. */
function isOpenCircuitError(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "EOPENBREAKER";
}
